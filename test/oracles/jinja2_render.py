"""Differential-test oracle: renders templates with real Jinja2, configured the way Kluctl configures it.

Reads a JSON list of cases on stdin: {name, template | file, context, searchDirs, strict?}.
Prints a JSON list of {name, output} or {name, error}.

The Kluctl filters and functions below are written from the behaviour described in
shared/spec/kluctl-engine.md §3.3, not copied from Kluctl.
"""

import base64
import fnmatch
import hashlib
import json
import os
import posixpath
import sys
import textwrap

import jinja2
import yaml
from jinja2.loaders import split_template_path
from jsonpath_ng import jsonpath
from jsonpath_ng.ext import parse as parse_json_path
from slugify import slugify as python_slugify


# ---- loader: './' and '../' relative to the including template, anything else through the search dirs ----

class KluctlEnvironment(jinja2.Environment):
    def join_path(self, template, parent):
        if template.startswith("./") or template.startswith("../"):
            return posixpath.normpath(posixpath.join(posixpath.dirname(parent), template))
        return template


class SearchDirLoader(jinja2.BaseLoader):
    def __init__(self, search_dirs):
        self.search_dirs = search_dirs
        self.root_template = None

    def find(self, name):
        if name == self.root_template:
            return name
        if os.path.isabs(name):
            name = os.path.abspath(name)
            if any(name.startswith(os.path.abspath(d) + os.sep) for d in self.search_dirs):
                return name
            return None
        pieces = split_template_path(name)
        for d in self.search_dirs:
            candidate = posixpath.join(d, *pieces)
            if os.path.isfile(candidate):
                return candidate
        return None

    def read(self, path, binary=False):
        try:
            with open(path, "rb" if binary else "r") as f:
                return f.read()
        except OSError:
            raise jinja2.TemplateNotFound(path)

    def get_source(self, environment, template):
        path = self.find(template)
        if path is None:
            raise jinja2.TemplateNotFound(template)
        return self.read(path), os.path.normpath(path), lambda: True


# ---- Kluctl filters and functions ----

class KluctlYamlDumper(yaml.SafeDumper):
    pass


def represent_str(dumper, value):
    if len(value.splitlines()) > 1:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if value.isnumeric():
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


KluctlYamlDumper.add_representer(str, represent_str)


def to_yaml(value):
    return yaml.dump(value, Dumper=KluctlYamlDumper, sort_keys=False)


def from_yaml(text):
    return yaml.safe_load(text)


def to_json(value):
    return json.dumps(value)


def b64encode(text):
    return base64.b64encode(text.encode()).decode()


def b64decode(text):
    return base64.b64decode(text.encode()).decode()


def sha256(value, digest_len=None):
    data = value if isinstance(value, bytes) else value.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    return digest if digest_len is None else digest[:digest_len]


def slugify(text, **kwargs):
    return python_slugify(text, **kwargs)


@jinja2.pass_context
def render(ctx, text):
    return ctx.environment.from_string(text).render(ctx.get_all())


def deep_copy(value):
    if isinstance(value, dict):
        return {k: deep_copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [deep_copy(v) for v in value]
    return value


def merge_into(a, b):
    for key, value in (b or {}).items():
        if key in a and isinstance(a[key], dict) and isinstance(value, dict):
            merge_into(a[key], value)
        else:
            a[key] = value
    return a


def merge_dict(a, b):
    return merge_into(deep_copy_dict(a), b)


def deep_copy_dict(a):
    return {k: deep_copy(v) for k, v in a.items()}


def update_dict(a, b):
    merge_into(a, b)
    return ""


@jinja2.pass_context
def load_template(ctx, path, **kwargs):
    template = ctx.environment.get_template(path, parent=ctx.name)
    return template.render(merge_dict(ctx.get_all(), kwargs))


@jinja2.pass_context
def load_sha256(ctx, path, digest_len=None):
    if "__calc_sha256__" in ctx:
        return "__self_sha256__"
    return sha256(load_template(ctx, path, __calc_sha256__=True), digest_len)


@jinja2.pass_context
def load_base64(ctx, path, width=None):
    loader = ctx.environment.loader
    found = loader.find(path)
    if not found:
        raise jinja2.TemplateNotFound(path)
    encoded = base64.b64encode(loader.read(found, binary=True)).decode()
    return textwrap.fill(encoded, width=width) if width else encoded


def glob_fields(self, datum):
    names = []
    for field in self.fields:
        if "*" in field and isinstance(datum.value, dict):
            names += [k for k in datum.value.keys() if fnmatch.fnmatch(k, field)]
        else:
            names.append(field)
    return tuple(names)


jsonpath.Fields.reified_fields = glob_fields


class NotFound:
    pass


@jinja2.pass_context
def get_var(ctx, path, default=None):
    for p in path if isinstance(path, list) else [path]:
        matches = parse_json_path(p).find(ctx.get_all())
        if len(matches) > 1:
            raise Exception("Only simple jsonpath supported in get_dict_value")
        if matches:
            return matches[0].value
    return default


def raise_error(message):
    raise jinja2.TemplateError(message)


def debug_print(message):
    sys.stderr.write("debug_print: %s\n" % str(message))
    return ""


def get_image(image):
    placeholder = base64.b64encode(json.dumps({"image": image}).encode("utf8")).decode("utf8")
    return "XXXXXbegin_get_image_" + placeholder + "_end_get_imageXXXXX"


def version_globals():
    return {
        "semver": lambda allow_no_nums=False: "semver(allow_no_nums=%s)" % allow_no_nums,
        "prefix": lambda s, suffix=None: 'prefix("%s")' % s if suffix is None else 'prefix("%s", suffix="%s")' % (s, suffix),
        "number": lambda: "number()",
        "regex": lambda r: 'regex("%s")' % r,
    }


# ---- environment and rendering ----

def sorted_keys(value):
    """Kluctl's vars reach Jinja2 as JSON encoded from Go maps: every dict has sorted keys."""
    if isinstance(value, dict):
        return {k: sorted_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sorted_keys(v) for v in value]
    return value


def build_env(case):
    loader = SearchDirLoader(case.get("searchDirs", []))
    env = KluctlEnvironment(
        loader=loader,
        undefined=jinja2.StrictUndefined if case.get("strict", True) else jinja2.ChainableUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        extensions=["jinja2.ext.loopcontrols"],
    )
    env.globals.update(sorted_keys(case.get("context", {})))
    env.filters.update(
        b64encode=b64encode, b64decode=b64decode, to_yaml=to_yaml, to_json=to_json, from_yaml=from_yaml,
        render=render, sha256=sha256, slugify=slugify,
    )
    env.globals.update({
        "load_template": load_template, "load_base64": load_base64, "load_sha256": load_sha256,
        "get_var": get_var, "merge_dict": merge_dict, "update_dict": update_dict, "raise": raise_error,
        "debug_print": debug_print, "render": render,
        "images": {"get_image": get_image}, "version": version_globals(),
    })
    return env, loader


def render_case(case):
    env, loader = build_env(case)
    if "file" in case:
        path = case["file"]
        with open(path) as f:
            source = f.read()
        if "{" not in source:
            return source
        loader.root_template = path
        return env.get_template(path).render()
    source = case["template"]
    if "{" not in source:
        return source
    return env.from_string(source).render()


def main():
    results = []
    for case in json.load(sys.stdin):
        try:
            results.append({"name": case["name"], "output": render_case(case)})
        except Exception as e:  # every failure is a result: the test compares that both engines fail
            results.append({"name": case["name"], "error": "%s: %s" % (type(e).__name__, e)})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
