/*
 * pickle.cpp: a dict of tensors that Python's torch.save wrote, read with
 * libtorch's own unpickler (torch::pickle_load), behind ts.h.
 *
 * The course ships its prompt embeddings this way: {prompt: [1, 77, 4096]
 * float16}.  torch::pickle_load reads the zip format torch.save has written
 * since PyTorch 1.6 (an archive holding data.pkl and one record per
 * storage), in libtorch 1.13 and 2.x alike.  The older non-zip format, and
 * a file whose tensors were saved on a GPU when this libtorch has none, are
 * refused with the fix in the message.
 */
#include "ts.h"
#include "ts_impl.hpp"

#include <torch/serialize.h>   /* torch::pickle_load */

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

static std::vector<char> read_file(const char *path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f)
        throw std::invalid_argument(std::string("cannot open ") + path + ": " +
                                    std::strerror(errno));
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)),
                            std::istreambuf_iterator<char>());
    if (f.bad())
        throw std::invalid_argument(std::string("cannot read ") + path);
    return bytes;
}

/* The zip archive's local-file signature: torch.save's format since 1.6. */
static bool is_zip(const std::vector<char> &b)
{
    return b.size() >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
}

/* A whole zip archive ends with its end-of-central-directory record
 * ("PK\5\6", 22 bytes plus a comment of at most 65535).  libtorch 1.13's
 * zip reader reads before its own buffer when that record is missing, so a
 * truncated file is refused here, before it gets there. */
static bool has_zip_end(const std::vector<char> &b)
{
    const size_t n = b.size(), lo = n > 65557 ? n - 65557 : 0;
    for (size_t i = n >= 22 ? n - 22 + 1 : 0; i-- > lo;)
        if (b[i] == 'P' && b[i + 1] == 'K' && b[i + 2] == 5 && b[i + 3] == 6)
            return true;
    return false;
}

static c10::IValue unpickle(const char *path, const std::vector<char> &bytes)
{
    if (!is_zip(bytes))
        throw std::invalid_argument(
            std::string(path) + " is not a torch.save file of PyTorch 1.6 or "
            "later (no zip archive); re-save it in Python with torch.save(d, path)");
    if (!has_zip_end(bytes))
        throw std::invalid_argument(std::string(path) + " is a damaged or "
                                    "truncated torch.save file: its zip "
                                    "archive has no end; copy or save it again");
    try {
        return torch::pickle_load(bytes);
    } catch (const c10::Error &e) {
        std::string what = e.what_without_backtrace();
        if (what.find("CUDA") != std::string::npos ||
            what.find("cuda") != std::string::npos)
            throw std::invalid_argument(
                std::string(path) + " holds tensors saved on a GPU and this "
                "machine has none; re-save it in Python with "
                "torch.save({k: v.cpu() for k, v in d.items()}, path)");
        /* libtorch 1.13's unpickler lacks SETITEM, which Python uses for
         * a dict of exactly one entry (two or more use SETITEMS). */
        if (what.find("Unknown opcode for unpickling at 0x73") != std::string::npos)
            throw std::invalid_argument(
                std::string(path) + " holds a dict of one entry, which this "
                "libtorch cannot read; add a second prompt (the \"\" null "
                "prompt is needed anyway) or save it as safetensors");
        throw std::invalid_argument(std::string(path) + " is a damaged or "
                                    "truncated torch.save file, or holds "
                                    "more than a dict of tensors: " +
                                    what.substr(0, what.find('\n')));
    }
}

static char *copy_string(const std::string &s)
{
    char *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (!p)
        throw std::bad_alloc();
    std::memcpy(p, s.c_str(), s.size() + 1);
    return p;
}

/* Keys and tensors built so far; freed unless handed out. */
struct DictOut {
    std::vector<char *> keys;
    std::vector<ts_tensor *> values;
    ~DictOut()
    {
        for (char *k : keys)
            std::free(k);
        for (ts_tensor *v : values)
            delete v;
    }
};

extern "C" ts_status ts_load_tensor_dict(const char *path, int64_t *n,
                                         char ***keys, ts_tensor ***values)
{
    return ts_guarded("load_tensor_dict", nullptr, 0, [&] {
        if (!path || !n || !keys || !values)
            throw std::invalid_argument("NULL argument");
        *n = 0;
        *keys = nullptr;
        *values = nullptr;
        c10::IValue iv = unpickle(path, read_file(path));
        if (!iv.isGenericDict())
            throw std::invalid_argument(std::string(path) + " holds a " +
                                        iv.tagKind() + ", not a dict of "
                                        "prompt -> tensor");
        DictOut got;
        for (const auto &item : iv.toGenericDict()) {
            if (!item.key().isString())
                throw std::invalid_argument(std::string(path) + ": a key is a " +
                                            item.key().tagKind() + ", not a string");
            const std::string key = item.key().toStringRef();
            if (!item.value().isTensor())
                throw std::invalid_argument(std::string(path) + ": \"" + key +
                                            "\" holds a " + item.value().tagKind() +
                                            ", not a tensor");
            got.keys.push_back(copy_string(key));
            got.values.push_back(new ts_tensor{
                item.value().toTensor().to(at::kCPU).contiguous()});
        }
        char **k = static_cast<char **>(std::malloc((got.keys.size() + 1) * sizeof *k));
        ts_tensor **v = static_cast<ts_tensor **>(
            std::malloc((got.values.size() + 1) * sizeof *v));
        if (!k || !v) {
            std::free(k);
            std::free(v);
            throw std::bad_alloc();
        }
        std::copy(got.keys.begin(), got.keys.end(), k);
        std::copy(got.values.begin(), got.values.end(), v);
        *n = static_cast<int64_t>(got.keys.size());
        got.keys.clear();
        got.values.clear();
        *keys = k;
        *values = v;
    });
}
