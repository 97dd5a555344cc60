"""Compiled conformance checks: each shape as one generated Python function ``(ctx, spo, f) -> bool``.

Nearly every focus node of a real batch conforms. The engine therefore asks first only *whether* a
focus node conforms to a shape, with a function generated from the shape's checks: one function per
shape, the value nodes looked up once, the common constraints (counts, ``sh:in``, ``sh:hasValue``,
``sh:datatype``, ``sh:nodeKind``, ``sh:class``, ``sh:pattern``, ``sh:closed`` and the shape-based
ones, qualified counts included) written inline
instead of called through closures. Only when a focus node does not conform does the engine run the
reporting evaluation (:meth:`CShape.evaluate_one` with a result list), which is the one that makes the
results. So a result can never differ from the reporting engine's: the generated function decides
only whether that engine runs, and it is the same boolean the engine computes with no result list
(``evaluate_one(ctx, f, None)``), which the tests check on every example, fixture, mutant and W3C test.

A function reads its focus node's entry of the index and each predicate's values once, at its top,
for all the checks on them; a short shape behind ``sh:or``/``sh:not``/``sh:and``/``sh:node`` is
written as one expression instead of a call; ``sh:class`` is one set test against the class's
subclasses while the payload adds no subclass edges. For each group of target shapes (those
targeting one type), one more function answers whether a node conforms to all of them. A function
answers only a boolean and every check is pure, so its checks are written in the order that costs
least (``_Body``): the counts of a list first, as one test; a list of exactly one value then read as
that value (no loop, a set test a membership test); the checks over one list in one loop, a class
test that several make once; the checks that read only such single values (patterns, datatypes,
lengths, ``sh:in``) grouped by the values they read and skipped for values that passed them before
(a bounded set per group; a blank node, equal to an IRI of its text, is never in it); SPARQL and
closures last.

Checks without an inline form (ranges, languages, property pairs) call the engine's own closure with
no result list. A shapes graph whose shapes refer to each other in a cycle is not generated at all
(the engine's memo detects recursion at run time; generated functions do not memoise).

The source depends only on the structure of the shapes (``_structure``): it is generated once per
structure and kept, with where each of its constants comes from, in the compiled-model cache; a
process that compiles the same shapes looks its own constants up instead of generating it again.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from samtbu.modelcache import MEMO
from samtbu.validate.fast.terms import RDF_TYPE, RDFS, XSD_STRING, B, L, lexical_as_rdflib

ConformsFn = Callable[[object, dict, object], bool]
# The index entry of a node that is no subject (generated code only reads it)
_EMPTY_INDEX: dict = {}

def _spec(check) -> tuple[Any, Any]:
    """A check's (kind, argument), set by the engine's constraint component; (None, None) without."""
    return getattr(check, "spec", None) or (None, None)


def _refs(shape) -> list:
    found = []
    for check in shape.checks:
        spec = getattr(check, "spec", None)
        if spec is None:
            continue
        kind, arg = spec
        if kind in ("not", "node", "property"):
            found.append(arg)
        elif kind in ("and", "or", "xone"):
            found.extend(arg)
        elif kind == "qualified":
            found.append(arg[0])
            found.extend(arg[1])
    return found


def _has_cycle(shapes) -> bool:
    state: dict = {}  # id -> 1 visiting, 2 done

    def visit(shape) -> bool:
        key = id(shape)
        mark = state.get(key)
        if mark == 1:
            return True
        if mark == 2:
            return False
        state[key] = 1
        stack = [(shape, iter(_refs(shape)))]
        while stack:
            current, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[id(current)] = 2
                stack.pop()
                continue
            mark = state.get(id(child))
            if mark == 1:
                return True
            if mark is None:
                state[id(child)] = 1
                stack.append((child, iter(_refs(child))))
        return False

    return any(visit(s) for s in shapes)


_VALS = re.compile(r"\bvals\b")
# A generated expression longer than this is called as its function instead of written inline.
_INLINE_LIMIT = 400


class _Loop:
    """A check over each value node ``v`` of ``var`` (its lines return False when one breaks it),
    with lines before the loop (``pre``) and after it (``post``): the checks of one function over
    the same values are written as one loop."""

    __slots__ = ("var", "pre", "body", "post")

    def __init__(self, var: str, body: list, pre: list | None = None, post: list | None = None):
        self.var, self.body, self.pre, self.post = var, body, pre or [], post or []


class _Count:
    """sh:minCount / sh:maxCount on ``var``: the counts of one list are written as one test, and a
    list of exactly one value is then read as that value (``_x<n>``)."""

    __slots__ = ("var", "low", "high")

    def __init__(self, var: str, low: int, high: int | None):
        self.var, self.low, self.high = var, low, high


# What a check is written as: lines, a loop over the values, or a count of them
Written = list[str] | _Loop | _Count

# A check whose lines call the engine (a SPARQL query, a closure): written after the cheap ones
_COSTLY = re.compile(r"\b(SPARQL|CHECK)\d+\(")
_USES_D = re.compile(r"\b_d\b")
_TYPES_OF_V = "_d.get(RDF_TYPE, E)"
_TYPE_OF_V = re.compile(r"\btype\(v\)")
_VALUES_OF_V = re.compile(r"_d\.get\(P\d+, E\)")
_CLASS_TEST_OF_V = re.compile(r"\(not SUBS\d+\.isdisjoint\(_d\.get\(RDF_TYPE, E\)\) if _st else IS_INSTANCE\(ctx, v, C\d+\)\)")


def _single_value(text: str, var: str, value: str) -> str:
    """The set tests of the list ``var`` written on its one value."""
    text = re.sub(rf"\b(IN\d+)\.issuperset\({var}\)", rf"({value} in \1)", text)
    text = re.sub(rf"\b(IN\d+)\.isdisjoint\({var}\)", rf"({value} not in \1)", text)
    text = re.sub(rf"\blen\({var}\)", "1", text)
    return re.sub(rf"\b(W\d+) in {var}\b", rf"\1 == {value}", text)


def _used(bindings: list, text: str) -> list:
    """The bindings that the text (or a binding kept) reads."""
    kept: list = []
    for line in reversed(bindings):
        name = line.split("=", 1)[0].strip()
        if re.search(rf"\b{name}\b", text):
            kept.append(line)
            text += "\n" + line
    return kept[::-1]


class _Body:
    """What one generated function has read: its focus node's entry of the index (``_fb``), the
    values of each predicate of it (``_p<n>``), the value nodes of each path (``_v<n>``), whether
    the class hierarchy is the static one (``_st``). Each is read once, at the top of the function.

    A function only answers whether its node passes every check, and each check is pure: so the
    checks are written in the order that costs least, not in the shapes' order. The checks over
    one list of values share one loop (its value's entry of the index read once, a class test made
    once for all the checks that make it); the checks that call the engine (SPARQL, closures) come
    last, so a failing node rarely reaches them."""

    def __init__(self, generator: _Generator, header: str):
        self.generator, self.header = generator, header
        self.names: dict = {}
        self.bindings: list[str] = []
        self.items: list = []

    def bind(self, key, name: str, expression: str) -> str:
        found = self.names.get(key)
        if found is None:
            found = self.names[key] = name
            self.bindings.append(f"    {name} = {expression}")
        return found

    def focus_entry(self) -> str:
        return self.bind("_fb", "_fb", "spo.get(f, ED)")

    def focus_values(self, predicate) -> str:
        if predicate not in self.names:
            self.focus_entry()
        return self.bind(predicate, f"_p{len(self.names)}", f"_fb.get({self.generator.const(predicate, 'P')}, E)")

    def focus_itself(self) -> str:
        """The value nodes of a node shape: its focus node alone."""
        return self.bind("(f,)", "_vf", "(f,)")

    def path_values(self, path_constant: str) -> str:
        return self.bind(("path", path_constant), f"_v{len(self.names)}", f"{path_constant}(ctx, f)")

    def static(self) -> str:
        return self.bind("_st", "_st", "ctx._supers is STATIC")

    def add(self, written, vals: str) -> None:
        """A check's lines (or ``_Loop``) with its values' name in place of ``vals``."""
        if isinstance(written, _Count):
            self.items.append(_Count(vals, written.low, written.high))
        elif isinstance(written, _Loop):
            self.items.append(_Loop(vals if written.var == "vals" else written.var,
                                    [_VALS.sub(vals, line) for line in written.body],
                                    [_VALS.sub(vals, line) for line in written.pre],
                                    [_VALS.sub(vals, line) for line in written.post]))
        elif written:
            self.items.append([_VALS.sub(vals, line) for line in written])

    def source(self) -> str:
        merged: dict = {}
        counts: dict = {}  # list -> [fewest, most] values
        cheap: list = []
        costly: list = []
        for item in self.items:
            if isinstance(item, _Count):
                bounds = counts.setdefault(item.var, [0, None])
                bounds[0] = max(bounds[0], item.low)
                if item.high is not None:
                    bounds[1] = item.high if bounds[1] is None else min(bounds[1], item.high)
            elif isinstance(item, _Loop):
                loop = merged.get(item.var)
                if loop is None:
                    loop = merged[item.var] = _Loop(item.var, [])
                    (costly if _COSTLY.search("\n".join(item.pre + item.body + item.post)) else cheap).append(loop)
                loop.pre.extend(item.pre)
                loop.body.extend(item.body)
                loop.post.extend(item.post)
            else:
                (costly if _COSTLY.search("\n".join(item)) else cheap).append(item)
        lines: list[str] = []
        # a list of exactly one value (its counts tested first): that value, ``_x<n>``, instead
        single = {"_vf": "f"}
        for var, (low, high) in counts.items():
            if high is None:
                test = f"len({var}) < {low}"
            elif low == high:
                test = f"len({var}) != {low}"
            else:
                test = f"len({var}) > {high}" if low == 0 else f"not {low} <= len({var}) <= {high}"
            lines += [f"    if {test}:", "        return False"]
            if low == high == 1:
                single[var] = "_x" + var[2:]
                lines.append(f"    {single[var]} = {var}[0]")
        # each check's lines, its set tests on a list of one value written on that value
        written: list = []
        for item in cheap + costly:
            if isinstance(item, _Loop):
                body = self.generator.shared_tests(item.body)
                part = list(item.pre)
                if item.var == "_vf" and body and body[0] == "_d = spo.get(v, ED)":
                    # the focus node itself: its entry of the index is read already (``_fb``)
                    part += ["v = f", "_d = " + self.focus_entry()] + body[1:]
                elif item.var in single:  # no loop over one value
                    part += [f"v = {single[item.var]}"] + body
                else:
                    part += [f"for v in {item.var}:"] + ["    " + line for line in body]
                part += item.post
            else:
                part = item
            text = "\n".join(part)
            for var, value in single.items():
                if var in text:
                    text = _single_value(text, var, value)
            written.append(text)
        lines += self._remembered(written)
        text = "\n".join(lines)
        return "\n".join([self.header] + _used(self.bindings, text) + [text, "    return True"])

    def _remembered(self, written: list) -> list:
        """The checks, those that read only single values (no other node, no engine call) grouped by
        the values they read: a group runs only for values it has not yet passed (a set of the
        values that passed, kept across records; a blank node, equal to an IRI of its text, never
        in it)."""
        groups: dict = {}
        order: list = []
        for text in written:
            names = set(_NAME.findall(text))
            values = sorted(n for n in names if _SINGLE.match(n))
            if values and not names & _READS_MORE and not any(_READS_MORE_NUMBERED.match(n) for n in names):
                key = tuple(values)
                if key not in groups:
                    groups[key] = []
                    order.append(key)
                groups[key].append(text)
            else:
                order.append(text)
        # a group on some of the values of another is part of it (one set test for both)
        for key in sorted(groups, key=len):
            wider = [other for other in groups if other != key and set(key) < set(other)]
            if wider:
                into = min(wider, key=len)
                groups[into][:0] = groups.pop(key)
                order[order.index(key)] = None
        lines: list = []
        for entry in order:
            if entry is None:
                continue
            if type(entry) is tuple and not _worth_remembering(groups[entry]):
                lines.extend("    " + line for text in groups[entry] for line in text.split("\n"))
                continue
            if type(entry) is str:
                lines.extend("    " + line for line in entry.split("\n"))
                continue
            passed = self.generator.const(set(), "PASSED")
            read = entry[0] if len(entry) == 1 else "(" + ", ".join(entry) + ")"
            blank = " or ".join(f"type({n}) is B" for n in entry)
            lines.append(f"    if {read} not in {passed} or {blank}:")
            lines.extend("        " + line for text in groups[entry] for line in text.split("\n"))
            lines += [f"        if len({passed}) >= {_PASSED_KEPT}:", f"            {passed}.clear()",
                      f"        {passed}.add({read})"]
        return lines


# What a check reads that makes it more than a function of its values (another node's entry, the
# engine): such a check runs every time
_NAME = re.compile(r"\b[A-Za-z_]\w*\b")
_SINGLE = re.compile(r"^_x\d+$")
_READS_MORE = frozenset(("_d", "_t", "_fb", "spo", "ctx", "f", "_st", "_c", "_r", "IS_INSTANCE", "STATIC", "RDF_TYPE", "_vf"))
_READS_MORE_NUMBERED = re.compile(r"^(SPARQL|CHECK|PATH|ROWS|SUBS|C|s|all|_w|_v|_p|_k)\d+$")
def _worth_remembering(texts: list) -> bool:
    """More than a set test or two: a regular expression, a lexical form, several tests."""
    text = "\n".join(texts)
    return text.count("return False") > 2 or any(name in text for name in ("RE", "DATATYPE_OK", "MATCH", "LEX"))


# The values a group remembers as passed (then forgotten, and remembered anew): a bound on memory
_PASSED_KEPT = 4096


class _Generator:
    def __init__(self, shapes):
        self.shapes = list(shapes)
        self.names = {id(s): f"s{i}" for i, s in enumerate(self.shapes)}
        self.constants: dict = {"L": L, "B": B, "XSD_STRING": XSD_STRING, "RDF_TYPE": RDF_TYPE,
                                "RDFS_RESOURCE": RDFS + "Resource"}
        self._constant_ids: dict = {}
        self._walrus = 0
        self.body: _Body | None = None
        # the node a check's test is on and its entry of the index: a value node ("v", "_d") in a
        # loop, or the focus node itself ("f", "_fb") for the checks of a node shape
        self.test_node, self.test_entry = "v", "_d"
        # the class hierarchy the engine's Context uses when the payload has no subclass edges of
        # its own (``STATIC``), and each class's subclasses in it
        self.sub_closure: dict = {}
        self.constants["STATIC"] = None
        self.constants["IS_INSTANCE"] = _is_instance()
        self._subclasses: dict = {}  # class -> the name of its subclasses' set

    def const(self, value, prefix: str) -> str:
        # (a string by its value: one class, predicate or datatype is one name, so the checks that
        # test it are one text, written once in a loop)
        key = (prefix, value if type(value) is str else id(value))
        name = self._constant_ids.get(key)
        if name is None:
            name = f"{prefix}{len(self._constant_ids)}"
            self._constant_ids[key] = name
            self.constants[name] = value
        return name

    def function(self, shape) -> str:
        return self.all_of(self.names[id(shape)], [shape])

    def all_of(self, name: str, shapes) -> str:
        """One function that answers whether a node conforms to every one of the shapes: their
        checks in one body, reading the node's values once for all of them."""
        self.body = _Body(self, f"def {name}(ctx, spo, f):")
        try:
            for shape in shapes:
                self.shape_lines(shape)
            return self.body.source()
        finally:
            self.body = None

    def shape_lines(self, shape) -> None:
        """The shape's checks (each returns False when it fails) into the function being written."""
        body = self.body
        if body is None:
            raise RuntimeError("shape_lines outside a function being written")
        if shape.deactivated:
            return
        if shape.predicate is not None:
            vals = body.focus_values(shape.predicate)
        elif shape.path is not None:
            vals = body.path_values(self.const(shape.path, "PATH"))
        else:
            vals = body.focus_itself()
        for check in shape.checks:
            spec = getattr(check, "spec", None)
            inner = spec[1] if spec is not None and spec[0] == "property" else None
            if inner is not None and shape.path is None and inner.predicate is not None:
                # A property shape of a node shape: its checks on the node's own values for the
                # predicate (read once for all the checks on them), instead of a call per property.
                if inner.deactivated:
                    continue
                for inner_check in inner.checks:
                    written = self.check(inner_check)
                    if written:
                        body.add(written, body.focus_values(inner.predicate))
                continue
            if shape.path is None and spec is not None and spec[0] in _ON_THE_NODE:
                # a node shape's own value is its focus node: no loop over (f,)
                self.test_node, self.test_entry = "f", "_fb"
                try:
                    body.add(self.check(check), vals)
                finally:
                    self.test_node, self.test_entry = "v", "_d"
                continue
            body.add(self.check(check), vals)

    def shared_tests(self, lines: list) -> list:
        """The body of a loop over value nodes: the value's entry of the index read once (``_d``),
        and a class test or the value's types that several checks make, once (``_k<n>``, ``_t``)."""
        text = "\n".join(lines)
        head = []
        if _USES_D.search(text):
            head.append("_d = spo.get(v, ED)")
        for test, n in Counter(_CLASS_TEST_OF_V.findall(text)).items():
            if n > 1:
                name = f"_k{len(head)}"
                head.append(f"{name} = {test}")
                text = text.replace(test, name)
        for read, n in Counter(_VALUES_OF_V.findall(text)).items():  # a predicate's values of v read once
            if n > 1:
                name = f"_g{len(head)}"
                head.append(f"{name} = {read}")
                text = text.replace(read, name)
        if text.count(_TYPES_OF_V) + sum(line.count(_TYPES_OF_V) for line in head) > 1:
            head = [line.replace(_TYPES_OF_V, "_t") for line in head]
            head.insert(1, f"_t = {_TYPES_OF_V}")
            text = text.replace(_TYPES_OF_V, "_t")
        if sum(len(_TYPE_OF_V.findall(line)) for line in [text, *head]) > 1:
            # the kind of the value (literal, blank node, IRI) that several checks test, read once
            head = [_TYPE_OF_V.sub("_tv", line) for line in head]
            head.insert(1 if head and head[0].startswith("_d =") else 0, "_tv = type(v)")
            text = _TYPE_OF_V.sub("_tv", text)
        return head + text.split("\n")

    def call(self, shape) -> str:
        """Whether the node of the test (``self.test_node``) conforms to the shape: its expression inline
        when it has a short one (the node's entry of the index read once), else a call of its
        function."""
        expression = self.expression(shape, self.test_node, self.test_entry)
        if expression is not None and len(expression) <= _INLINE_LIMIT:
            return expression
        return f"{self.names[id(shape)]}(ctx, spo, {self.test_node})"

    def expression(self, shape, x: str, d: str) -> str | None:
        """The generated function of the shape as one expression on the node ``x`` (its entry of the
        index is ``d``), for the shapes made only of checks that have one; else None."""
        if shape.deactivated:
            return "True"
        if shape.predicate is not None:
            return self._property_expression(shape, x, d)
        if shape.path is not None:
            return None
        parts: list[str] = []
        for check in shape.checks:
            part = self._node_check_expression(check, x, d)
            if part is None:
                return None
            if part != "True":
                parts.append(part)
        return "(" + " and ".join(parts) + ")" if parts else "True"

    def _property_expression(self, shape, x: str, d: str) -> str | None:
        self._walrus += 1
        values = f"_w{self._walrus}"
        parts: list[str] = []
        for check in shape.checks:
            part = self.value_expression(check, values)
            if part is None:
                return None
            if part != "True":
                parts.append(part)
        if not parts:
            return "True"
        if x == "f" and self.body is not None:  # the focus node's values, read once per function
            read = self.body.focus_values(shape.predicate)
            return "(" + " and ".join(part.replace(values, read) for part in parts) + ")"
        read = f"{d}.get({self.const(shape.predicate, 'P')}, E)"
        if len(parts) == 1:
            return "(" + parts[0].replace(values, read, 1) + ")"
        return "(" + " and ".join([parts[0].replace(values, f"({values} := {read})", 1)] + parts[1:]) + ")"

    def _node_check_expression(self, check, x: str, d: str) -> str | None:
        """A check of a node shape (its value node is ``x`` itself) as an expression, or None."""
        kind, arg = _spec(check)
        if kind == "in":
            return f"{x} in {self.const(arg, 'IN')}"
        if kind == "hasValue":
            return f"{x} == {self.const(arg, 'W')}"
        if kind == "minCount":
            return "True" if arg <= 1 else "False"
        if kind == "maxCount":
            return "True" if arg >= 1 else "False"
        if kind == "class":
            return f"(type({x}) is not L and {self.instance_test(arg, x, f'{d}.get(RDF_TYPE, E)')})"
        if kind in ("node", "property"):
            return self.expression(arg, x, d)
        if kind == "not":
            inner = self.expression(arg, x, d)
            return None if inner is None else f"not {inner}"
        if kind in ("and", "or"):
            members = [self.expression(m, x, d) for m in arg]
            written = [m for m in members if m is not None]
            return "(" + f" {kind} ".join(written) + ")" if len(written) == len(members) else None
        return None

    def instance_test(self, cls, x: str, types: str) -> str:
        """Whether the node ``x`` with these types is an instance of the class (not a literal:
        tested by the caller): ctx.is_instance, with the static hierarchy one set test."""
        subs = self._subclasses.get(cls)
        if subs is None:
            subs = self._subclasses[cls] = self.const(frozenset(self.sub_closure.get(cls, ())) | {cls}, "SUBS")
        static = self.body.static() if self.body is not None else "ctx._supers is STATIC"
        test = f"(not {subs}.isdisjoint({types}) if {static} else IS_INSTANCE(ctx, {x}, {self.const(cls, 'C')}))"
        return test

    def value_expression(self, check, values: str) -> str | None:
        """A check on the value nodes ``values`` of a property shape as an expression, or None."""
        kind, arg = _spec(check)
        if kind == "minCount":
            return "True" if arg <= 0 else f"len({values}) >= {int(arg)}"
        if kind == "maxCount":
            return f"len({values}) <= {int(arg)}"
        if kind == "in":
            return f"{self.const(arg, 'IN')}.issuperset({values})"
        if kind == "hasValue":
            return f"{self.const(arg, 'W')} in {values}"
        if kind == "qualified":
            target, siblings, qmin, qmax = arg
            members = self._only_in(target)
            if members is None or siblings:
                return None
            # the values that conform to the target shape are those in its sh:in list
            m = self.const(members, "IN")
            if qmax is None and qmin == 1:
                return f"not {m}.isdisjoint({values})"
            tests = ([] if qmin is None else [f"len({m}.intersection({values})) >= {int(qmin)}"]) + (
                [] if qmax is None else [f"len({m}.intersection({values})) <= {int(qmax)}"])
            return " and ".join(tests) if tests else "True"
        return None

    @staticmethod
    def _only_in(shape):
        """The sh:in members of a node shape that has only that check, else None."""
        if shape.deactivated or shape.path is not None or len(shape.checks) != 1:
            return None
        kind, arg = _spec(shape.checks[0])
        return arg if kind == "in" else None

    def check(self, check) -> Written:
        """The lines that return False when the values break the check: the check's kind written
        inline (``_INLINE``), or a call of the engine's own closure with no result list."""
        kind, arg = _spec(check)
        write = _INLINE.get(kind)
        if write is not None:
            return write(self, arg)
        fn = self.const(check, "CHECK")
        return [f"if not {fn}(ctx, f, vals, None):", "    return False"]

    def min_count(self, arg) -> Written:
        return [] if int(arg) <= 0 else _Count("vals", int(arg), None)

    def max_count(self, arg) -> Written:
        return _Count("vals", 0, int(arg))

    def in_(self, arg) -> Written:
        return [f"if not {self.const(arg, 'IN')}.issuperset(vals):", "    return False"]

    def has_value(self, arg) -> Written:
        w = self.const(arg, "W")
        return [f"if {w} not in vals:", "    return False"]

    def datatype(self, arg) -> Written:
        if arg == XSD_STRING:
            # _matches_datatype for xsd:string: a literal, not ill-typed (language ""), datatype
            # xsd:string, or neither datatype nor language.
            return _Loop("vals", ["if type(v) is not L or v[2] == '' or (v[1] != XSD_STRING and (v[1] is not None or v[2] is not None)):",
                                  "    return False"])
        from samtbu.validate.fast.engine import _DT_OK, _SPECIAL_DATATYPES, _matches_datatype, datatype_ok

        d = self.const(arg, "D")
        if arg in _SPECIAL_DATATYPES:
            fn = self.const(_matches_datatype, "MATCH")
            return _Loop("vals", [f"if not {fn}(v, {d}):", "    return False"])
        # _matches_datatype for any other datatype: a literal of it, not ill-typed (language ""),
        # whose lexical form is valid for it (remembered by datatype_ok, its table read here first)
        known, check = self.const(_DT_OK, "DT_OK"), self.const(datatype_ok, "DATATYPE_OK")
        return _Loop("vals", [f"if type(v) is not L or v[1] != {d} or v[2] == '' or not ({known}.get((v[0], {d})) or {check}(v[0], {d})):",
                              "    return False"])

    def node_kind(self, arg) -> Written:
        iri, blank, literal = arg
        bad = []
        if not iri:
            bad.append("(t is not L and t is not B)")
        if not blank:
            bad.append("t is B")
        if not literal:
            bad.append("t is L")
        if not bad:
            return []
        return _Loop("vals", ["t = type(v)", f"if {' or '.join(bad)}:", "    return False"])

    def class_(self, arg) -> Written:
        # ctx.is_instance inline: one of v's types is the class or a subclass of it
        test = self.instance_test(arg, "v", _TYPES_OF_V)
        return _Loop("vals", [f"if type(v) is L or not {test}:", "    return False"])

    def pattern(self, arg) -> Written:
        regex = self.const(arg, "RE")
        lexical = self.const(lexical_as_rdflib, "LEX")
        # lexical_as_rdflib inline for a plain literal and xsd:string
        return _Loop("vals", ["t = type(v)",
                              f"if t is B or {regex}.search(((v[0] if v[1] is None or v[1] == XSD_STRING else {lexical}(v)) if t is L else v)) is None:",
                              "    return False"])

    def length(self, arg) -> Written:
        minimum, limit = arg
        if minimum and limit == 0:
            return []  # (any node, a blank one too, has at least no characters)
        lexical = self.const(lexical_as_rdflib, "LEX")
        return _Loop("vals", ["t = type(v)",
                              f"if t is B or len({lexical}(v) if t is L else v) {'<' if minimum else '>'} {int(limit)}:",
                              "    return False"])

    def _each(self, test: str) -> Written:
        """Lines that return False when ``test`` holds for the node of the test: each value node
        ``v`` (its entry of the index is ``_d``), or the focus node of a node shape."""
        if self.test_node == "f":
            if re.search(r"\b_fb\b", test) and self.body is not None:
                self.body.focus_entry()
            return [f"if {test}:", "    return False"]
        return _Loop("vals", [f"if {test}:", "    return False"])

    def not_(self, arg) -> Written:
        members = self._only_in(arg)
        if members is not None and self.test_node == "v":  # none of the values in the list
            return [f"if not {self.const(members, 'IN')}.isdisjoint(vals):", "    return False"]
        return self._each(self.call(arg))

    def node(self, arg) -> Written:  # sh:node, and sh:property on the values of a path
        return self._each(f"not {self.call(arg)}")

    def and_(self, arg) -> Written:
        return self._each("not (" + " and ".join(self.call(s) for s in arg) + ")")

    def or_(self, arg) -> Written:
        return self._each("not (" + " or ".join(self.call(s) for s in arg) + ")")

    def xone(self, arg) -> Written:
        calls = ", ".join(self.call(s) for s in arg)
        return self._each(f"({calls},).count(True) != 1")

    def qualified(self, arg) -> Written:
        target, siblings, qmin, qmax = arg
        counted = self.call(target)
        if siblings:
            counted += " and not (" + " or ".join(self.call(x) for x in siblings) + ")"
        self._walrus += 1
        n = f"_n{self._walrus}"
        after = []
        if qmax is not None:
            after += [f"if {n} > {int(qmax)}:", "    return False"]
        if qmin is not None:
            after += [f"if {n} < {int(qmin)}:", "    return False"]
        return _Loop("vals", [f"if {counted}:", f"    {n} += 1"], [f"{n} = 0"], after)

    def closed(self, arg) -> Written:
        allowed = self.const(arg, "ALLOWED")
        # sh:closed allows rdf:type rdfs:Resource besides the listed properties (as pyshacl does)
        # (the value's entry of the index, ``_d``, is read once for all the checks on the value; the
        # focus node's own, ``_fb``, once for the function)
        return _Loop("vals", [f"if _d and not {allowed}.issuperset(_d):", "    for p, objs in _d.items():",
                              f"        if p in {allowed}:", "            continue",
                              "        if p == RDF_TYPE and all(o == RDFS_RESOURCE for o in objs):", "            continue",
                              "        return False"])

    def sparql(self, arg) -> Written:
        by_values = getattr(arg, "cache_by_values", None)
        evaluator = self.const(arg, "SPARQL")
        if by_values is None:
            return [f"if {evaluator}(ctx, f):", "    return False"]
        # a local query: its rows for these values (of one predicate, or a pair of tuples for two),
        # remembered across records, else evaluated
        cache, predicates = by_values
        rows = self.const(cache, "ROWS")

        def values(predicate) -> str:
            return (self.body.focus_values(predicate) if self.body is not None
                    else f"spo.get(f, ED).get({self.const(predicate, 'P')}, E)")

        keys = [f"tuple({values(p)})" for p in ((predicates,) if type(predicates) is str else predicates)]
        key = keys[0] if len(keys) == 1 else f"({', '.join(keys)})"
        return [f"_r = {rows}.get({key})",
                f"if _r is None and {evaluator}(ctx, f) or _r:", "    return False"]


# The checks of a node shape that are written on its focus node itself (not in a loop over (f,))
_ON_THE_NODE = ("not", "node", "and", "or", "xone")

# The kind of a check (its ``spec``, set by the engine's constraint components) -> how it is
# written inline.
_INLINE: dict[str, Callable[[_Generator, Any], Written]] = {
    "minCount": _Generator.min_count, "maxCount": _Generator.max_count, "in": _Generator.in_,
    "hasValue": _Generator.has_value, "datatype": _Generator.datatype, "nodeKind": _Generator.node_kind,
    "class": _Generator.class_, "pattern": _Generator.pattern, "not": _Generator.not_,
    "node": _Generator.node, "property": _Generator.node, "and": _Generator.and_, "or": _Generator.or_,
    "xone": _Generator.xone, "qualified": _Generator.qualified, "closed": _Generator.closed,
    "sparql": _Generator.sparql, "length": _Generator.length,
}


def generate_conformance(shapes, groups=(), *, closure: dict | None = None, sub_closure: dict | None = None) -> dict | None:
    """For each shape (by id), its generated conformance function, and for each group of shapes
    (by its position in ``groups``, as ``("all", i)``) one function that answers whether a node
    conforms to all of them; None when the shapes refer to each other in a cycle.

    The source is generated once per structure of the shapes (``_structure``): the compiled-model
    cache keeps it, with where each of its constants comes from, so a process that meets the same
    shapes again only looks its constants up (``_constants``)."""
    shapes = list(shapes)
    groups = [list(group) for group in groups]
    structure, objects = _structure(shapes, groups)
    key = hashlib.sha256(repr(structure).encode()).hexdigest()
    # (``closure`` is the engine's class -> superclasses map, which a Context uses when the payload
    # has no subclass edges: a class test is then one set test against the class's subclasses)
    static = closure if closure is not None else object()
    sub_closure = sub_closure or {}
    kept = MEMO.generated(key)
    namespace = None
    if kept is not None:
        source, recipe = kept
        namespace = _constants(recipe, objects, static, sub_closure)
    if namespace is None:
        if _has_cycle(shapes):
            return None
        generator = _Generator(shapes)
        generator.constants["STATIC"] = static
        generator.sub_closure = sub_closure
        source = "\n\n".join([generator.function(s) for s in shapes]
                              + [generator.all_of(f"all{i}", group) for i, group in enumerate(groups)])
        namespace = dict(generator.constants)
        recipe = _recipe(generator, objects)
        if recipe is not None:
            MEMO.record_generated(key, source, recipe)
    namespace["E"] = ()
    namespace["ED"] = _EMPTY_INDEX
    exec(MEMO.code(source, "<samtbu shapes>"), namespace)  # noqa: S102 - our own generated code (compiled once per model: samtbu.modelcache)
    found: dict = {id(s): namespace[f"s{i}"] for i, s in enumerate(shapes)}
    found.update({("all", i): namespace[f"all{i}"] for i in range(len(groups))})
    return found


# -- the generated source, kept ---------------------------------------------------------------------
# The source depends only on the structure of the shapes: their order, each one's checks (their kinds
# and the plain values the generator reads: counts, datatypes, classes, predicates) and which objects
# (sets, regular expressions, closures, SPARQL evaluators) they share, each named by its first place.
# Two processes that compile the same shapes meet the same structure, and the source generated for it
# is valid for both, with the constants of each process looked up by those places.

# The constants every namespace has, and the module-level objects a check refers to (by name)
_FIXED = ("L", "B", "XSD_STRING", "RDF_TYPE", "RDFS_RESOURCE", "STATIC", "IS_INSTANCE")


def _module_objects() -> dict:
    from samtbu.validate.fast import engine

    return {"DT_OK": engine._DT_OK, "DATATYPE_OK": engine.datatype_ok, "MATCH": engine._matches_datatype,
            "LEX": lexical_as_rdflib}


def _structure(shapes: list, groups: list) -> tuple[tuple, list]:
    """The shapes' structure (shapes by position, plain values as themselves, any other object by
    the order it is first met), and those objects in that order."""
    position = {id(s): i for i, s in enumerate(shapes)}
    objects: list = []
    seen: dict = {}

    def place(x) -> int:
        found = seen.get(id(x))
        if found is None:
            found = seen[id(x)] = len(objects)
            objects.append(x)
        return found

    def canonical(x):
        t = type(x)
        if t is str or t is int or t is bool or x is None:
            return x
        if t is tuple or t is list:
            return tuple(canonical(y) for y in x)
        shape = position.get(id(x))
        if shape is not None and shapes[shape] is x:
            return ("S", shape)
        return ("O", place(x))

    described = []
    for shape in shapes:
        checks = []
        for check in shape.checks:
            kind, arg = _spec(check)
            extra = canonical(getattr(arg, "cache_by_values", None)) if kind == "sparql" else None
            checks.append((kind, place(check), canonical(arg), extra))
        described.append((shape.deactivated, shape.predicate, None if shape.path is None else place(shape.path),
                          tuple(checks)))
    return (tuple(described), tuple(tuple(position[id(s)] for s in group) for group in groups)), objects


def _recipe(generator: _Generator, objects: list) -> dict | None:
    """Where each constant of the generated source comes from: an object of the structure (by its
    place), a module-level object, the subclasses of a class, a new set, or its (plain) value; None
    when a constant is none of these (the source is then not kept)."""
    places = {id(x): i for i, x in enumerate(objects)}
    module = {id(x): name for name, x in _module_objects().items()}
    classes = {name: cls for cls, name in generator._subclasses.items()}
    recipe: dict = {}
    for name, value in generator.constants.items():
        if name in _FIXED:
            continue
        if name in classes:
            recipe[name] = ("subclasses", classes[name])
        elif name.startswith("PASSED"):
            recipe[name] = ("set", None)
        elif id(value) in places:
            recipe[name] = ("object", places[id(value)])
        elif id(value) in module:
            recipe[name] = ("module", module[id(value)])
        elif type(value) is str:
            recipe[name] = ("value", value)
        else:
            return None
    return recipe


def _constants(recipe: dict, objects: list, static, sub_closure: dict) -> dict | None:
    module = _module_objects()
    namespace = {"L": L, "B": B, "XSD_STRING": XSD_STRING, "RDF_TYPE": RDF_TYPE, "RDFS_RESOURCE": RDFS + "Resource",
                 "STATIC": static, "IS_INSTANCE": _is_instance()}
    try:
        for name, (how, what) in recipe.items():
            if how == "object":
                namespace[name] = objects[what]
            elif how == "subclasses":
                namespace[name] = frozenset(sub_closure.get(what, ())) | {what}
            elif how == "set":
                namespace[name] = set()
            elif how == "module":
                namespace[name] = module[what]
            elif how == "value":
                namespace[name] = what
            else:
                return None
    except (IndexError, KeyError, TypeError, ValueError):
        return None  # a damaged entry: generated again
    return namespace


def _is_instance():
    from samtbu.validate.fast.engine import Context  # (fastengine imports this module)

    return Context.is_instance


__all__ = ["generate_conformance", "ConformsFn"]
