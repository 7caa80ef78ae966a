// A minimal xeus 2.4 kernel: the C++ reference point for tests/bench.
// execute_request: no-op for any code except "echo ..." which publishes the
// rest of the line as stdout; a trivial statement ("x = 1") publishes nothing
// but busy / execute_input / idle, like ipykernel and diffuse do for `x = 1`.
#include <iostream>
#include <memory>
#include <string>

#include "xeus/xinterpreter.hpp"
#include "xeus/xkernel.hpp"
#include "xeus/xkernel_configuration.hpp"
#include "xeus/xserver_zmq.hpp"
#include "xeus/xeus_context.hpp"
#include "xeus/xhelper.hpp"
#include <zmq.hpp>

namespace nl = nlohmann;

class minimal_interpreter : public xeus::xinterpreter
{
    void configure_impl() override {}

    nl::json execute_request_impl(int count, const std::string& code, bool silent,
                                  bool, nl::json, bool) override
    {
        if (!silent && code.rfind("echo ", 0) == 0)
            publish_stream("stdout", code.substr(5));
        nl::json r;
        r["status"] = "ok";
        r["execution_count"] = count;
        r["payload"] = nl::json::array();
        r["user_expressions"] = nl::json::object();
        return r;
    }
    nl::json complete_request_impl(const std::string&, int pos) override
    {
        return nl::json{{"status", "ok"}, {"matches", nl::json::array()},
                        {"cursor_start", pos}, {"cursor_end", pos},
                        {"metadata", nl::json::object()}};
    }
    nl::json inspect_request_impl(const std::string&, int, int) override
    {
        return nl::json{{"status", "ok"}, {"found", false},
                        {"data", nl::json::object()}, {"metadata", nl::json::object()}};
    }
    nl::json is_complete_request_impl(const std::string&) override
    {
        return nl::json{{"status", "complete"}};
    }
    nl::json kernel_info_request_impl() override
    {
        nl::json r;
        r["implementation"] = "xminimal";
        r["implementation_version"] = "0.1";
        r["banner"] = "minimal xeus kernel (benchmark reference)";
        r["language_info"]["name"] = "text";
        r["language_info"]["version"] = "1";
        r["language_info"]["mimetype"] = "text/plain";
        r["language_info"]["file_extension"] = ".txt";
        return r;
    }
    void shutdown_request_impl() override {}
};

int main(int argc, char* argv[])
{
    std::string file;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string(argv[i]) == "-f") file = argv[i + 1];
    if (file.empty()) { std::cerr << "usage: xminimal -f connection.json\n"; return 2; }

    xeus::xconfiguration config = xeus::load_configuration(file);
    auto context = xeus::make_context<zmq::context_t>();
    std::unique_ptr<xeus::xinterpreter> interp(new minimal_interpreter());
    xeus::xkernel kernel(config, xeus::get_user_name(), std::move(context),
                         std::move(interp), xeus::make_xserver_zmq);
    kernel.start();
    return 0;
}
