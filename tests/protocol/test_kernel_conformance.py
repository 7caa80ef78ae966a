"""The official Jupyter kernel conformance suite (jupyter_kernel_test),
with every optional sample filled in so that no test is skipped.

Each sample is the smallest cell of the diffuse language that produces the
message the test looks for.
"""
import unittest

import jupyter_kernel_test


class DiffuseKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "diffuse"

    # kernel_info_reply.language_info
    language_name = "diffuse"
    file_extension = ".diffuse"

    # stream stdout containing "hello, world"
    code_hello_world = 'print "hello, world"'

    # stream stderr
    code_stderr = 'warn "careful"'

    # complete_request: a prefix only one command starts with
    completion_samples = [
        {"text": "prin", "matches": {"print"}},
        {"text": "pri"},  # any valid reply
    ]

    # is_complete_request
    complete_code_samples = ['print "hi"', "x = 1 + 2", "1", "for i in 1..3\n  print i\nend"]
    incomplete_code_samples = ["xs = [1, 2", "ys = [", "for i in 1..3\n  print i",
                               "def f(x)\n  return x * 2", "if 1 > 0\n  print 1\nelse"]
    invalid_code_samples = ["print )"]

    # error: exactly one output, of type error
    code_generate_error = "undefined_name"

    # execute_result with text/plain, also the history source
    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "6 * 7", "result": "42"},
    ]

    # display_data
    code_display_data = [
        {"code": 'markdown "**hi**"', "mime": "text/markdown"},
        {"code": "help print", "mime": "text/plain"},
    ]

    # history_request: tail, range, search (glob matching exactly one of the
    # code_execute_result cells)
    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "1 +*"

    # the pager payload: `name?` (as in ipykernel) answers with the help as
    # [{"source": "page", "data": {...}, "start": 0}]
    code_page_something = "print?"

    # inspect_request on a command name
    code_inspect_sample = "print"

    # clear_output
    code_clear_output = "clear"


if __name__ == "__main__":
    unittest.main()
