"""The diffuse language's words, as the kernel itself lists them.

`python -m diffuse_jupyter.words KERNEL [--kernelspec DIR]` asks the kernel
binary (`--commands-json`, `--keywords-json`) and writes _words.json next
to this file; with --kernelspec it also writes the classic Notebook's
kernel.js (kernel_js.py) into that kernelspec folder.  Both files are
rewritten only when their content changes.  scripts/setup.sh runs it after
every build, so the lexer never works from a list that has drifted from the
registry.
"""
import argparse
import json
import os
import subprocess
import sys

WORDS_FILE = os.path.join(os.path.dirname(__file__), "_words.json")


class WordsMissing(RuntimeError):
    pass


def ask_kernel(binary):
    """{"commands": [...], "keywords": [...]} from the kernel binary."""
    def run(flag):
        try:
            out = subprocess.run([binary, flag], check=True, capture_output=True,
                                 text=True, timeout=60).stdout
        except (OSError, subprocess.SubprocessError) as e:
            raise WordsMissing(f"{binary} {flag} failed: {e}") from e
        return json.loads(out)

    commands = sorted(c["name"] for c in run("--commands-json"))
    keywords = list(run("--keywords-json"))
    if not commands or not keywords:
        raise WordsMissing(f"{binary} listed no commands or no keywords")
    return {"commands": commands, "keywords": keywords}


def load():
    """The generated words; WordsMissing (saying how to make them) if absent."""
    try:
        with open(WORDS_FILE, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise WordsMissing(
            f"the diffuse lexer has no word list ({WORDS_FILE}: {e}); run "
            "scripts/setup.sh, or python -m diffuse_jupyter.words "
            "PATH/TO/diffuse") from e


def write_if_changed(path, text):
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return False
    except OSError:
        pass
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)  # atomic: a reader never sees half a file
    return True


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m diffuse_jupyter.words")
    ap.add_argument("kernel", help="the diffuse binary")
    ap.add_argument("--kernelspec", help="also write kernel.js into this kernelspec folder")
    args = ap.parse_args(argv)
    try:
        words = ask_kernel(args.kernel)
    except WordsMissing as e:
        print(f"diffuse_jupyter.words: {e}", file=sys.stderr)
        return 1
    write_if_changed(WORDS_FILE, json.dumps(words, indent=1) + "\n")
    if args.kernelspec:
        from .kernel_js import kernel_js
        write_if_changed(os.path.join(args.kernelspec, "kernel.js"), kernel_js(words))
    print(f"diffuse_jupyter.words: {len(words['commands'])} commands, "
          f"{len(words['keywords'])} keywords")
    return 0


if __name__ == "__main__":
    sys.exit(main())
