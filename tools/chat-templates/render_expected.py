#!/usr/bin/env python3
"""Renders the chat templates in job/src/test/resources/chat-templates with Jinja2 the way
transformers' apply_chat_template does, and writes the expected outputs the Java tests compare
against (expected.json beside the templates). Run with Debian's python3-jinja2:

    /usr/bin/python3 tools/chat-templates/render_expected.py

transformers' rules (src/transformers/utils/chat_template_utils.py, _compile_jinja_template and
render_jinja_template): ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
extensions=[loopcontrols]); tojson = json.dumps(x, ensure_ascii=False, indent=indent,
separators=separators, sort_keys=sort_keys); raise_exception raises TemplateError; the template
gets messages, tools (None when not given), documents, add_generation_prompt and the special
tokens as variables.
"""
import json
import os

import jinja2
from jinja2.exceptions import TemplateError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                    "job", "src", "test", "resources", "chat-templates")


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def raise_exception(message):
    raise TemplateError(message)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env


TOKENS = {
    "llama-3.1-instruct.jinja": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
    "mistral-7b-instruct-v0.1.jinja": {"bos_token": "<s>", "eos_token": "</s>"},
    "qwen2-instruct.jinja": {"bos_token": "", "eos_token": "<|im_end|>"},
    "phi-3-mini-instruct.jinja": {"bos_token": "<s>", "eos_token": "<|endoftext|>"},
    "gemma-2-it.jinja": {"bos_token": "<bos>", "eos_token": "<eos>"},
    "features.jinja": {"bos_token": "<s>", "eos_token": "</s>"},
}

DATA_PROMPT = ("{{ 7*7 }} {% for x in [1, 2] %}{{ x }}{% endfor %} {# note #} {% raw %}"
               " \"double\" 'single' \\back\\slash\n  tab\tünïcödé 🚀 {{ raise_exception('no') }}  ")

CONVERSATIONS = {
    "user": [{"role": "user", "content": "Hello, how are you?"}],
    "system_user": [{"role": "system", "content": "You are terse.  "}, {"role": "user", "content": "Hi"}],
    "multi_turn": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"},
                   {"role": "user", "content": "  Tell me a joke.  "}],
    "prompt_is_data": [{"role": "user", "content": DATA_PROMPT}],
}

WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather in a city",
    "parameters": {"type": "object", "properties": {
        "city": {"type": "string", "description": "City name, e.g. \"Paris\""},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7.5}},
        "required": ["city"]}}}
TOOL_CALL = [
    {"role": "user", "content": "Weather in Zürich?"},
    {"role": "assistant", "tool_calls": [{"type": "function", "function": {
        "name": "get_weather", "arguments": {"city": "Zürich", "unit": "celsius", "days": 2}}}]},
    {"role": "tool", "content": {"temperature": 21.5, "sky": "clear", "wind": None, "alerts": []}},
]


def cases():
    for template in ["llama-3.1-instruct.jinja", "mistral-7b-instruct-v0.1.jinja", "qwen2-instruct.jinja",
                     "phi-3-mini-instruct.jinja", "gemma-2-it.jinja", "features.jinja"]:
        for name, messages in CONVERSATIONS.items():
            for generation_prompt in (True, False):
                yield template, name + ("" if generation_prompt else "/no_generation_prompt"), {
                    "messages": messages, "add_generation_prompt": generation_prompt, **TOKENS[template]}
    llama = "llama-3.1-instruct.jinja"
    yield llama, "tools_in_user_message", {"messages": TOOL_CALL, "tools": [WEATHER_TOOL],
                                           "add_generation_prompt": True, **TOKENS[llama]}
    yield llama, "tools_in_system_message", {"messages": TOOL_CALL, "tools": [WEATHER_TOOL],
                                             "tools_in_user_message": False, "add_generation_prompt": True,
                                             **TOKENS[llama]}
    two_calls = [TOOL_CALL[0], {"role": "assistant", "tool_calls": TOOL_CALL[1]["tool_calls"] * 2}]
    yield llama, "two_tool_calls_raise", {"messages": two_calls, "add_generation_prompt": True, **TOKENS[llama]}
    yield "features.jinja", "break_and_continue", {"messages": [
        {"role": "system", "content": "sys"}, {"role": "user", "content": "one"},
        {"role": "user", "content": "STOP"}, {"role": "user", "content": "never"}],
        "add_generation_prompt": False, **TOKENS["features.jinja"]}
    yield "features.jinja", "tools", {"messages": CONVERSATIONS["multi_turn"], "tools": [WEATHER_TOOL],
                                      "add_generation_prompt": True, **TOKENS["features.jinja"]}


def main():
    env = environment()
    out = []
    for template, name, variables in cases():
        with open(os.path.join(HERE, template), encoding="utf-8") as f:
            compiled = env.from_string(f.read())
        render_vars = {"tools": None, "documents": None, **variables}
        case = {"template": template, "case": name, "vars": variables}
        try:
            case["expected"] = compiled.render(**render_vars)
        except TemplateError as e:
            case["error"] = str(e)
        out.append(case)
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"generator": "tools/chat-templates/render_expected.py", "jinja2": jinja2.__version__,
                   "cases": out}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{len(out)} cases, jinja2 {jinja2.__version__}")


if __name__ == "__main__":
    main()
