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

A function reads its focus node's entry of the index and each predicate's values once, for all the
checks on them; a short shape behind ``sh:or``/``sh:not``/``sh:and``/``sh:node`` is written as one
expression instead of a call; ``sh:class`` is one set test against the class's subclasses while the
payload adds no subclass edges. For each group of target shapes (those targeting one type), one more
function answers whether a node conforms to all of them, their bodies one after another.

Checks without an inline form (ranges, lengths, languages, property pairs, SPARQL) call the engine's own closure with no result list. A shapes graph whose shapes
refer to each other in a cycle is not generated at all (the engine's memo detects recursion at run
time; generated functions do not memoise).
"""

from __future__ import annotations

import re
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


class _Body:
    """What one generated function has read so far: its focus node's entry of the index (``_fb``),
    the values of each predicate of it (``_p<n>``). Each is read once,
    at its first use; every check's lines run at the top level of the function, in order, so a
    name read by an earlier check is bound for every later one."""

    def __init__(self, generator: _Generator, lines: list):
        self.generator, self.lines = generator, lines
        self.names: dict = {}

    def focus_entry(self) -> str:
        if "_fb" not in self.names:
            self.names["_fb"] = "_fb"
            self.lines.append("    _fb = spo.get(f, ED)")
        return "_fb"

    def focus_values(self, predicate) -> str:
        name = self.names.get(predicate)
        if name is None:
            self.focus_entry()
            name = self.names[predicate] = f"_p{len(self.names)}"
            self.lines.append(f"    {name} = _fb.get({self.generator.const(predicate, 'P')}, E)")
        return name


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
        from samtbu.validate.fast.engine import Context  # (fastengine imports this module)

        self.constants["IS_INSTANCE"] = Context.is_instance

    def const(self, value, prefix: str) -> str:
        key = (prefix, id(value))
        name = self._constant_ids.get(key)
        if name is None:
            name = f"{prefix}{len(self._constant_ids)}"
            self._constant_ids[key] = name
            self.constants[name] = value
        return name

    def function(self, shape) -> str:
        lines = [f"def {self.names[id(shape)]}(ctx, spo, f):"]
        self.body = _Body(self, lines)
        self.shape_lines(shape)
        lines.append("    return True")
        self.body = None
        return "\n".join(lines)

    def all_of(self, name: str, shapes) -> str:
        """One function that answers whether a node conforms to every one of the shapes: their
        bodies one after the other, reading the node's values once for all of them."""
        lines = [f"def {name}(ctx, spo, f):"]
        self.body = _Body(self, lines)
        for shape in shapes:
            self.shape_lines(shape)
        lines.append("    return True")
        self.body = None
        return "\n".join(lines)

    def shape_lines(self, shape) -> None:
        """The lines of the shape's checks (each returns False when it fails) into the function
        being written."""
        body = self.body
        if body is None:
            raise RuntimeError("shape_lines outside a function being written")
        lines = body.lines
        if shape.deactivated:
            return
        if shape.predicate is not None:
            vals = body.focus_values(shape.predicate)
        elif shape.path is not None:
            path = self.const(shape.path, "PATH")
            lines.append(f"    vals = {path}(ctx, f)")
            vals = "vals"
        else:
            lines.append("    vals = (f,)")
            vals = "vals"
        for check in shape.checks:
            spec = getattr(check, "spec", None)
            inner = spec[1] if spec is not None and spec[0] == "property" else None
            if inner is not None and shape.path is None and inner.predicate is not None:
                # A property shape of a node shape: its body inline, on the node's own values for
                # the predicate (read once for all the checks on it), instead of a call per property.
                if inner.deactivated:
                    continue
                for inner_check in inner.checks:
                    written = self.check(inner_check)
                    if written:
                        pvals = body.focus_values(inner.predicate)
                        lines.extend("    " + _VALS.sub(pvals, line) for line in written)
                continue
            if shape.path is None and spec is not None and spec[0] in _ON_THE_NODE:
                # a node shape's own value is its focus node: no loop over (f,)
                self.test_node, self.test_entry = "f", "_fb"
                try:
                    lines.extend("    " + line for line in self.check(check))
                finally:
                    self.test_node, self.test_entry = "v", "_d"
                continue
            lines.extend("    " + _VALS.sub(vals, line) for line in self.check(check))

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
        subclasses = frozenset(self.sub_closure.get(cls, ())) | {cls}
        return (f"(not {self.const(subclasses, 'SUBS')}.isdisjoint({types}) if ctx._supers is STATIC "
                f"else IS_INSTANCE(ctx, {x}, {self.const(cls, 'C')}))")

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

    def check(self, check) -> list[str]:
        """The lines that return False when the values break the check: the check's kind written
        inline (``_INLINE``), or a call of the engine's own closure with no result list."""
        kind, arg = _spec(check)
        write = _INLINE.get(kind)
        if write is not None:
            return write(self, arg)
        fn = self.const(check, "CHECK")
        return [f"if not {fn}(ctx, f, vals, None):", "    return False"]

    def min_count(self, arg) -> list[str]:
        if int(arg) <= 0:
            return []
        return [f"if len(vals) < {int(arg)}:", "    return False"]

    def max_count(self, arg) -> list[str]:
        return [f"if len(vals) > {int(arg)}:", "    return False"]

    def in_(self, arg) -> list[str]:
        m = self.const(arg, "IN")
        return ["for v in vals:", f"    if v not in {m}:", "        return False"]

    def has_value(self, arg) -> list[str]:
        w = self.const(arg, "W")
        return [f"if {w} not in vals:", "    return False"]

    def datatype(self, arg) -> list[str]:
        if arg == XSD_STRING:
            # _matches_datatype for xsd:string: a literal, not ill-typed (language ""), datatype
            # xsd:string, or neither datatype nor language.
            return ["for v in vals:",
                    "    if type(v) is not L or v[2] == '' or (v[1] != XSD_STRING and (v[1] is not None or v[2] is not None)):",
                    "        return False"]
        from samtbu.validate.fast.engine import _DT_OK, _SPECIAL_DATATYPES, _matches_datatype, datatype_ok

        d = self.const(arg, "D")
        if arg in _SPECIAL_DATATYPES:
            fn = self.const(_matches_datatype, "MATCH")
            return ["for v in vals:", f"    if not {fn}(v, {d}):", "        return False"]
        # _matches_datatype for any other datatype: a literal of it, not ill-typed (language ""),
        # whose lexical form is valid for it (remembered by datatype_ok, its table read here first)
        known, check = self.const(_DT_OK, "DT_OK"), self.const(datatype_ok, "DATATYPE_OK")
        return ["for v in vals:",
                f"    if type(v) is not L or v[1] != {d} or v[2] == '' or not ({known}.get((v[0], {d})) or {check}(v[0], {d})):",
                "        return False"]

    def node_kind(self, arg) -> list[str]:
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
        return ["for v in vals:", "    t = type(v)", f"    if {' or '.join(bad)}:", "        return False"]

    def class_(self, arg) -> list[str]:
        # ctx.is_instance inline: one of v's types is the class or a subclass of it
        test = self.instance_test(arg, "v", "spo.get(v, ED).get(RDF_TYPE, E)")
        return ["for v in vals:", f"    if type(v) is L or not {test}:", "        return False"]

    def pattern(self, arg) -> list[str]:
        regex = self.const(arg, "RE")
        lexical = self.const(lexical_as_rdflib, "LEX")
        # lexical_as_rdflib inline for a plain literal and xsd:string
        return ["for v in vals:", "    t = type(v)",
                f"    if t is B or {regex}.search(((v[0] if v[1] is None or v[1] == XSD_STRING else {lexical}(v)) if t is L else v)) is None:",
                "        return False"]

    def _each(self, test: str) -> list[str]:
        """Lines that return False when ``test`` holds for the node of the test: each value node
        ``v`` (its entry of the index read once, as ``_d``, when the test reads it), or the focus
        node of a node shape."""
        if self.test_node == "f":
            if re.search(r"\b_fb\b", test) and self.body is not None:
                self.body.focus_entry()
            return [f"if {test}:", "    return False"]
        lines = ["for v in vals:"]
        if re.search(r"\b_d\b", test):
            lines.append("    _d = spo.get(v, ED)")
        return lines + [f"    if {test}:", "        return False"]

    def not_(self, arg) -> list[str]:
        return self._each(self.call(arg))

    def node(self, arg) -> list[str]:  # sh:node, and sh:property on the values of a path
        return self._each(f"not {self.call(arg)}")

    def and_(self, arg) -> list[str]:
        return self._each("not (" + " and ".join(self.call(s) for s in arg) + ")")

    def or_(self, arg) -> list[str]:
        return self._each("not (" + " or ".join(self.call(s) for s in arg) + ")")

    def xone(self, arg) -> list[str]:
        calls = ", ".join(self.call(s) for s in arg)
        return self._each(f"({calls},).count(True) != 1")

    def qualified(self, arg) -> list[str]:
        target, siblings, qmin, qmax = arg
        counted = self.call(target)
        if siblings:
            counted += " and not (" + " or ".join(self.call(x) for x in siblings) + ")"
        lines = ["n = 0"] + self._each(counted)[:-2]
        lines += [f"    if {counted}:", "        n += 1"]
        if qmax is not None:
            lines += [f"if n > {int(qmax)}:", "    return False"]
        if qmin is not None:
            lines += [f"if n < {int(qmin)}:", "    return False"]
        return lines

    def closed(self, arg) -> list[str]:
        allowed = self.const(arg, "ALLOWED")
        # sh:closed allows rdf:type rdfs:Resource besides the listed properties (as pyshacl does)
        return ["for v in vals:", "    _c = spo.get(v)", "    if _c:", "        for p, objs in _c.items():",
                f"            if p in {allowed}:", "                continue",
                "            if p == RDF_TYPE and all(o == RDFS_RESOURCE for o in objs):", "                continue",
                "            return False"]

    def sparql(self, arg) -> list[str]:
        by_values = getattr(arg, "cache_by_values", None)
        evaluator = self.const(arg, "SPARQL")
        if by_values is None:
            return [f"if {evaluator}(ctx, f):", "    return False"]
        # a local query: its rows for these values, remembered across records, else evaluated
        cache, predicate = by_values
        rows = self.const(cache, "ROWS")
        values = (self.body.focus_values(predicate) if self.body is not None
                  else f"spo.get(f, ED).get({self.const(predicate, 'P')}, E)")
        return [f"_r = {rows}.get(tuple({values}))",
                f"if _r is None and {evaluator}(ctx, f) or _r:", "    return False"]


# The checks of a node shape that are written on its focus node itself (not in a loop over (f,))
_ON_THE_NODE = ("not", "node", "and", "or", "xone")

# The kind of a check (its ``spec``, set by the engine's constraint components) -> how it is
# written inline.
_INLINE: dict[str, Callable[[_Generator, Any], list[str]]] = {
    "minCount": _Generator.min_count, "maxCount": _Generator.max_count, "in": _Generator.in_,
    "hasValue": _Generator.has_value, "datatype": _Generator.datatype, "nodeKind": _Generator.node_kind,
    "class": _Generator.class_, "pattern": _Generator.pattern, "not": _Generator.not_,
    "node": _Generator.node, "property": _Generator.node, "and": _Generator.and_, "or": _Generator.or_,
    "xone": _Generator.xone, "qualified": _Generator.qualified, "closed": _Generator.closed,
    "sparql": _Generator.sparql,
}


def generate_conformance(shapes, groups=(), *, closure: dict | None = None, sub_closure: dict | None = None) -> dict | None:
    """For each shape (by id), its generated conformance function, and for each group of shapes
    (by its position in ``groups``, as ``("all", i)``) one function that answers whether a node
    conforms to all of them; None when the shapes refer to each other in a cycle."""
    shapes = list(shapes)
    if _has_cycle(shapes):
        return None
    generator = _Generator(shapes)
    # (``closure`` is the engine's class -> superclasses map, which a Context uses when the payload
    # has no subclass edges: a class test is then one set test against the class's subclasses)
    generator.constants["STATIC"] = closure if closure is not None else object()
    generator.sub_closure = sub_closure or {}
    source = "\n\n".join([generator.function(s) for s in shapes]
                          + [generator.all_of(f"all{i}", group) for i, group in enumerate(groups)])
    namespace = dict(generator.constants)
    namespace["E"] = ()
    namespace["ED"] = _EMPTY_INDEX
    exec(MEMO.code(source, "<samtbu shapes>"), namespace)  # noqa: S102 - our own generated code (compiled once per model: samtbu.modelcache)
    found: dict = {id(s): namespace[generator.names[id(s)]] for s in shapes}
    found.update({("all", i): namespace[f"all{i}"] for i in range(len(groups))})
    return found


__all__ = ["generate_conformance", "ConformsFn"]
