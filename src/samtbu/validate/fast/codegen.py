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


class _Generator:
    def __init__(self, shapes):
        self.shapes = list(shapes)
        self.names = {id(s): f"s{i}" for i, s in enumerate(self.shapes)}
        self.constants: dict = {"L": L, "B": B, "XSD_STRING": XSD_STRING, "RDF_TYPE": RDF_TYPE,
                                "RDFS_RESOURCE": RDFS + "Resource"}
        self._constant_ids: dict = {}

    def const(self, value, prefix: str) -> str:
        key = (prefix, id(value))
        name = self._constant_ids.get(key)
        if name is None:
            name = f"{prefix}{len(self._constant_ids)}"
            self._constant_ids[key] = name
            self.constants[name] = value
        return name

    def function(self, shape) -> str:
        name = self.names[id(shape)]
        lines = [f"def {name}(ctx, spo, f):"]
        if shape.deactivated:
            lines.append("    return True")
            return "\n".join(lines)
        if shape.predicate is not None:
            p = self.const(shape.predicate, "P")
            lines.append("    _b = spo.get(f)")
            lines.append(f"    vals = _b.get({p}, E) if _b is not None else E")
        elif shape.path is not None:
            path = self.const(shape.path, "PATH")
            lines.append(f"    vals = {path}(ctx, f)")
        else:
            lines.append("    vals = (f,)")
        focus_read = False
        for check in shape.checks:
            spec = getattr(check, "spec", None)
            inner = spec[1] if spec is not None and spec[0] == "property" else None
            if inner is not None and shape.path is None and inner.predicate is not None:
                # A property shape of a node shape: its body inline, on the node's own values for
                # the predicate (the node is read once), instead of a call per property.
                if inner.deactivated:
                    continue
                if not focus_read:
                    lines.append("    _fb = spo.get(f)")
                    focus_read = True
                p = self.const(inner.predicate, "P")
                lines.append(f"    pvals = _fb.get({p}, E) if _fb is not None else E")
                for inner_check in inner.checks:
                    lines.extend("    " + _VALS.sub("pvals", line) for line in self.check(inner_check))
                continue
            lines.extend("    " + line for line in self.check(check))
        lines.append("    return True")
        return "\n".join(lines)

    def call(self, shape, node: str) -> str:
        return f"{self.names[id(shape)]}(ctx, spo, {node})"

    def check(self, check) -> list[str]:
        """The lines that return False when the values break the check: the check's kind written
        inline (``_INLINE``), or a call of the engine's own closure with no result list."""
        kind, arg = getattr(check, "spec", None) or (None, None)
        write = _INLINE.get(kind)
        if write is not None:
            return write(self, arg)
        fn = self.const(check, "CHECK")
        return [f"if not {fn}(ctx, f, vals, None):", "    return False"]

    def min_count(self, arg) -> list[str]:
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
        from samtbu.validate.fast.engine import _matches_datatype  # (fastengine imports this module)

        d = self.const(arg, "D")
        fn = self.const(_matches_datatype, "MATCH")
        return ["for v in vals:", f"    if not {fn}(v, {d}):", "        return False"]

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
        c = self.const(arg, "C")
        return ["sups = ctx._supers if ctx._supers is not None else ctx.superclasses_map()",
                "for v in vals:", "    if type(v) is L:", "        return False",
                "    _t = spo.get(v)", "    for t in (_t.get(RDF_TYPE, E) if _t is not None else E):",
                f"        if t == {c} or {c} in sups.get(t, E):", "            break",
                "    else:", "        return False"]

    def pattern(self, arg) -> list[str]:
        regex = self.const(arg, "RE")
        lexical = self.const(lexical_as_rdflib, "LEX")
        return ["for v in vals:", "    t = type(v)",
                f"    if t is B or {regex}.search({lexical}(v) if t is L else v) is None:",
                "        return False"]

    def not_(self, arg) -> list[str]:
        return ["for v in vals:", f"    if {self.call(arg, 'v')}:", "        return False"]

    def node(self, arg) -> list[str]:  # sh:node, and sh:property on the values of a path
        return ["for v in vals:", f"    if not {self.call(arg, 'v')}:", "        return False"]

    def and_(self, arg) -> list[str]:
        calls = " and ".join(self.call(s, "v") for s in arg)
        return ["for v in vals:", f"    if not ({calls}):", "        return False"]

    def or_(self, arg) -> list[str]:
        calls = " or ".join(self.call(s, "v") for s in arg)
        return ["for v in vals:", f"    if not ({calls}):", "        return False"]

    def xone(self, arg) -> list[str]:
        calls = ", ".join(self.call(s, "v") for s in arg)
        return ["for v in vals:", f"    if ({calls},).count(True) != 1:", "        return False"]

    def qualified(self, arg) -> list[str]:
        target, siblings, qmin, qmax = arg
        counted = self.call(target, "v")
        if siblings:
            counted += " and not (" + " or ".join(self.call(x, "v") for x in siblings) + ")"
        lines = ["n = 0", "for v in vals:", f"    if {counted}:", "        n += 1"]
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
        rows, p = self.const(cache, "ROWS"), self.const(predicate, "P")
        return ["_q = spo.get(f)", f"_r = {rows}.get(tuple(_q.get({p}, E)) if _q else E)",
                f"if _r is None and {evaluator}(ctx, f) or _r:", "    return False"]


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


def generate_conformance(shapes) -> dict | None:
    """For each shape (by id), its generated conformance function; None when the shapes refer to
    each other in a cycle."""
    shapes = list(shapes)
    if _has_cycle(shapes):
        return None
    generator = _Generator(shapes)
    source = "\n\n".join(generator.function(s) for s in shapes)
    namespace = dict(generator.constants)
    namespace["E"] = ()
    exec(MEMO.code(source, "<samtbu shapes>"), namespace)  # noqa: S102 - our own generated code (compiled once per model: samtbu.modelcache)
    return {id(s): namespace[generator.names[id(s)]] for s in shapes}


__all__ = ["generate_conformance", "ConformsFn"]
