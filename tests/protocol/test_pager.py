"""`name?` and `?name`: help in the pager, as ipykernel's `?` gives it (the
reply's payload), while `help NAME` keeps answering with display_data."""
from __future__ import annotations

import pytest

from conftest import execute, text_of


def page_of(reply):
    payload = reply["content"]["payload"]
    assert len(payload) == 1, payload
    page = payload[0]
    assert page["source"] == "page" and page["start"] == 0
    return page["data"]


@pytest.mark.parametrize("code", ["print?", "?print", "  print?  ", "\n?print\n"])
def test_question_mark_pages_a_commands_help(kernel, code):
    reply, outputs = execute(kernel.kc, code)
    assert reply["content"]["status"] == "ok"
    data = page_of(reply)
    assert "print" in data["text/plain"] and "text/markdown" in data
    assert outputs == []  # nothing in the cell: the pager shows it


def test_two_question_marks_add_the_example(kernel):
    one = page_of(execute(kernel.kc, "train?")[0])["text/plain"]
    two = page_of(execute(kernel.kc, "train??")[0])["text/plain"]
    assert len(two) > len(one) and two.startswith(one.split("\n", 1)[0])


def test_a_variable_pages_its_type_and_value(kernel):
    execute(kernel.kc, "answer = 42")
    data = page_of(execute(kernel.kc, "answer?")[0])
    assert "42" in data["text/plain"]


def test_an_unknown_name_says_so_and_pages_nothing(kernel):
    reply, outputs = execute(kernel.kc, "no_such_thing?")
    assert reply["content"]["status"] == "ok"
    assert reply["content"]["payload"] == []
    assert "nothing is called `no_such_thing`" in text_of(outputs)


def test_help_still_answers_with_display_data(kernel):
    reply, outputs = execute(kernel.kc, "help print")
    assert reply["content"]["payload"] == []
    assert any(m["msg_type"] == "display_data" for m in outputs)


@pytest.mark.parametrize("code", ["1 ? 2", "print? x", "??", "?print?"])
def test_other_question_marks_are_the_language_s(kernel, code):
    """Not a pager query: the language reads it, and `?` is no token of it."""
    reply, _ = execute(kernel.kc, code)
    assert reply["content"]["status"] == "error"
