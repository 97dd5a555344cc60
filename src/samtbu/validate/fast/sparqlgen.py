"""SPARQL-based constraints as generated Python: each query one function.

:mod:`samtbu.validate.fast.sparql` compiles a query into a tree of closures, one call per algebra
node and per expression node, rows carried as dicts. This module writes the whole query instead as
the source of one function ``query(data, focus) -> rows`` (compiled once, and kept in the
compiled-model cache by its source text like the engine's other generated code) that returns the
rows as the constraint keeps them, (this, path, value, other bindings), each once:

- the basic graph patterns as nested loops over the record's index (``data.spo`` / ``data.pos``), in
  the join order the closure path plans, variables held in local variables; a triple pattern with
  every term known is a look-up; the focus node's and constant predicates' index entries are
  looked up once per call;
- ``UNION`` as one branch after the other, ``BIND`` as an assignment, ``FILTER`` conjuncts checked as
  soon as every variable they read is bound (what the closure path does inside a pattern, here across
  joins and unions too), ``EXISTS`` as a function of its own that stops at the first solution;
- expressions inline: comparisons with their fast paths, ``DATATYPE`` tests, ``REGEX`` of a constant
  pattern, ``STR``, fixed ``SUBSTR``, the ``xsd:integer`` digit casts, ``IF``, ``&&``, ``||``, ``!``,
  ``BOUND``, ``isIRI`` and the like, ``IN`` of IRIs; the check-digit sums and the modulo idiom
  ``X - K * FLOOR(X / K)`` on Python integers where that gives the Decimal arithmetic's value
  exactly; other arithmetic and CONCAT through the closure path's value-level operators;
  expressions without variables folded to their value once;
- any other expression (``NOW()``, ``STRAFTER`` ...) calls the closure path's own compiled
  expression, and any other pattern (``OPTIONAL``, a variable that a failed ``BIND`` may leave
  unbound used in a triple pattern, ...) leaves the whole query to the closure path.

The rows are those of the closure path, in the same order (tests/test_fast_sparqlgen.py compares both
on every SPARQL constraint of the model, on every example and fixture, on random graphs and on the
W3C SPARQL tests).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from decimal import Decimal

from rdflib import BNode, Literal, URIRef, Variable

from samtbu.modelcache import MEMO
from samtbu.validate.fast import sparql as _s
from samtbu.validate.fast.engine import Unsupported
from samtbu.validate.fast.terms import XSD, B, L

Rows = Callable[[object, object], list]

_NONDETERMINISTIC = {"Builtin_NOW", "Builtin_RAND", "Builtin_UUID", "Builtin_STRUUID", "Builtin_BNODE"}
_MAX_SOURCE = 200_000  # a query bigger than this is left to the closure path


class _State:
    """What the generated code knows at one point: variables certainly bound, variables assigned but
    perhaps unbound (``None``: a BIND whose expression erred), and the filter checks already made."""

    __slots__ = ("certain", "maybe", "done", "entries", "dates", "nums", "found", "texts")

    def __init__(self, certain: frozenset, maybe: frozenset, done: frozenset, entries: tuple = (),
                 dates: frozenset = frozenset(), nums: tuple = (), found: bool = False, texts: tuple = ()):
        self.certain, self.maybe, self.done = certain, maybe, done
        # (variable, local name) of the texts (STR) of certainly bound variables already written into a local
        self.texts = texts
        # (variable, local name) of the index entries (``spo.get(v)``) already looked up for certainly
        # bound variables: a later pattern on the same subject reuses them
        self.entries = entries
        # certainly bound variables that passed ``DATATYPE(?v) = xsd:date``: literals typed xsd:date (a
        # variable bound by a triple pattern is a term of the data, never a computed number or boolean)
        self.dates = dates
        # variables BIND assigned a number of a known kind (_Writer.kind: the digits of a text, a sum of
        # such, YEAR of a date, ...): (name, bound, is_int): unbound, or a value N((i, xsd:integer)) (is_int)
        # or N((Decimal(i), xsd:decimal)) for a Python integer i with abs(i) < bound
        self.nums = nums
        # inside a ``try`` that ends the search once a row is made (every projected variable is bound:
        # any further solution gives the same row again)
        self.found = found

    def _with(self, **changes) -> _State:
        fields = {name: getattr(self, name) for name in self.__slots__}
        fields.update(changes)
        return _State(**fields)

    def bind(self, names) -> _State:
        return self._with(certain=self.certain | set(names), maybe=self.maybe - set(names),
                          nums=tuple(n for n in self.nums if n[0] not in names))

    def assign_maybe(self, name: str, kind: tuple | None = None) -> _State:
        """After ``BIND(... AS ?name)``; ``kind``: (bound, is_int) of the number it assigned, if known."""
        if name in self.certain:
            return self
        if name in self.maybe:  # assigned again: known no more
            return self._with(nums=tuple(n for n in self.nums if n[0] != name))
        return self._with(maybe=self.maybe | {name}, nums=self.nums + ((name, *kind),) if kind is not None else self.nums)

    def num(self, name: str) -> tuple | None:
        """(bound, is_int) of a variable BIND assigned a number of a known kind; None for any other."""
        for n, bound, is_int in self.nums:
            if n == name:
                return bound, is_int
        return None

    def checked(self, checks) -> _State:
        """After these filter conjuncts held."""
        dates = {c.date_var for c in checks if c.date_var is not None and c.date_var in self.certain}
        return self._with(done=self.done | {id(c) for c in checks}, dates=self.dates | dates)

    def with_entries(self, entries: dict) -> _State:
        return self._with(entries=tuple(entries.items()))


class _Check:
    """A filter conjunct: the variables it reads (None when it holds EXISTS: checked where written)."""

    def __init__(self, expr):
        self.expr = expr
        self.vars = _s._expr_vars(expr)
        self.pushable = bool(self.vars)
        # the variable of ``DATATYPE(?v) = xsd:date``
        self.date_var = None
        if (getattr(expr, "name", None) == "RelationalExpression" and expr.op == "=" and expr.other == URIRef(_s.XSD_DATE)
                and getattr(expr.expr, "name", None) == "Builtin_DATATYPE" and isinstance(expr.expr.arg, Variable)):
            self.date_var = str(expr.expr.arg)


def _below(x):
    """``x`` and every value below it, depth first: lists and tuples looked into, and an algebra or
    expression node's fields (those not starting with ``_``)."""
    yield x
    if isinstance(x, (list, tuple)):
        for item in x:
            yield from _below(item)
    elif _is_node(x):
        for k, v in x.items():
            if not str(k).startswith("_"):
                yield from _below(v)


def _is_node(x) -> bool:
    return hasattr(x, "items") and getattr(x, "name", None) is not None


def _all_vars(e) -> set:
    """Every variable an expression mentions, inside EXISTS too."""
    return {str(x) for x in _below(e) if isinstance(x, Variable)}


def _bgp_vars_below(p) -> set:
    """The variables (blank nodes as ``_:id``) of the triple patterns below ``p``."""
    return {str(t) if isinstance(t, Variable) else "_:" + str(t)
            for x in _below(p) if _is_node(x) and x.name == "BGP"
            for triple in x.triples for t in triple if isinstance(t, (Variable, BNode))}


def _vars_outside(root, node) -> set:
    """The variables (blank nodes as ``_:id``) that ``root`` mentions outside ``node``, projected ones too."""
    out = set()
    stack = [root]
    while stack:
        x = stack.pop()
        if x is node:
            continue
        if isinstance(x, Variable):
            out.add(str(x))
        elif isinstance(x, BNode):
            out.add("_:" + str(x))
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
        elif _is_node(x):
            stack.extend(v for k, v in x.items() if not str(k).startswith("_"))
    return out


def _names(e) -> set:
    """Every algebra or expression node name below ``e``."""
    return {x.name for x in _below(e) if _is_node(x)}


class _Writer:
    def __init__(self, compiler):
        self.compiler = compiler
        self.namespace: dict = {
            "_Err": _s._Err, "_ebv": _s._ebv, "_compare": _s._compare, "_str": _s._str, "_string": _s._string,
            "_datatype_of": _s._datatype_of, "_is_literal": _s._is_literal, "_add_values": _s._add_values,
            "_mul_values": _s._mul_values, "_mul_constant": _s._mul_constant, "_mul_two": _s._mul_two,
            "_floor_value": _s._floor_value, "_date_part_value": _s._date_part_value, "_to_integer": _s._to_integer,
            "_cast": _s._cast, "_concat_values": _s._concat_values, "_triples": _s._triples, "_and_values": _and_values, "_unbound": _unbound,
            "_row": _row, "_fail": _fail, "_now_term": _now_term, "_Found": _Found, "INTEGERS": _INTEGERS,
            "_integer_of_text": _integer_of_text, "L": L, "B": B, "N": _s.N, "E": (), "ONE": (0,),
            "XSD_INTEGER": _s.XSD_INTEGER, "_as_term": _s._as_term, "Decimal": Decimal, "XSD_DECIMAL": _s.XSD_DECIMAL,
            "XSD_DATE": _s.XSD_DATE, "PLAIN_DATES": _s._PLAIN_DATES, "_plain_date": _s._plain_date,
        }
        self._const_names: dict = {}
        self.locals: dict[str, str] = {}
        self.lines: list[str] = []
        self.counter = 0
        self.hoisted: dict = {}
        self.hoisted_lines: list[str] = []
        self.helper_depth = 0
        self.helpers: list[str] = []  # the EXISTS functions' source
        self.projected: set = set()
        self.root = None  # the query's algebra (its Project)
        self.compared: set = set()  # the variables the query compares with another variable
        self.str_counts: dict = {}  # variable -> how often the query takes its STR

    # -- names ------------------------------------------------------------------------------------
    def const(self, value) -> str:
        key: tuple
        try:
            key = (type(value), value)
            hash(key)
        except TypeError:
            key = ("id", id(value))
        name = self._const_names.get(key)
        if name is None:
            name = self._const_names[key] = f"K{len(self._const_names)}"
            self.namespace[name] = value
        return name

    def local(self, var: str) -> str:
        name = self.locals.get(var)
        if name is None:
            name = self.locals[var] = f"v{len(self.locals)}"
        return name

    def tmp(self) -> str:
        self.counter += 1
        return f"t{self.counter}"

    def hoist(self, key, code: str, ind: str) -> str:
        """A look-up that does not change during a call (the focus node's, a constant's), made once at
        the start of the function: its name (inside an EXISTS function: made where it is needed)."""
        if self.helper_depth:
            here = self.tmp()
            self.emit(ind, f"{here} = {code}")
            return here
        name = self.hoisted.get(key)
        if name is None:
            name = self.hoisted[key] = f"h{len(self.hoisted)}"
            self.hoisted_lines.append(f"    {name} = {code}")
        return name

    def named(self, code: str, ind: str) -> str:
        """A name for the value of ``code``: itself when it is a name already (a variable's local, a
        temporary), else a new temporary assigned here."""
        if code.isidentifier():
            return code
        t = self.tmp()
        self.emit(ind, f"{t} = {code}")
        return t

    def emit(self, indent: str, line: str) -> None:
        self.lines.append(indent + line)

    # -- the query --------------------------------------------------------------------------------
    def query(self, p) -> str:
        """``def query(data, this)``: the rows of the query for the focus node ``this``, as the
        constraint keeps them: (this, path, value, other bindings), each once, in solution order."""
        if getattr(p, "name", None) in ("Distinct", "Reduced"):
            p = p.p  # the rows are kept once each anyway (below), in the order they are first met
        if getattr(p, "name", None) != "Project":
            raise Unsupported("generated SPARQL: no projection at the top")
        names = [str(v) for v in p.PV]
        self.projected = set(names)
        self.root = p
        for n in _below(p):
            if _is_node(n) and n.name == "Builtin_STR" and isinstance(n.arg, Variable):
                self.str_counts[str(n.arg)] = self.str_counts.get(str(n.arg), 0) + 1
        self.compared = {str(x) for n in _below(p) if _is_node(n) and n.name == "RelationalExpression"
                         and isinstance(n.get("expr"), Variable) and isinstance(n.get("other"), Variable)
                         for x in (n.expr, n.other)}
        if "failure" in names:
            raise Unsupported("generated SPARQL: ?failure projected")
        this = self.local("this")
        self.emit("", f"def query(data, {this}):")
        body = "    "
        self.emit(body, "spo = data.spo")
        self.emit(body, "pos = data.pos")
        self.emit(body, "out = []")
        start = len(self.lines)
        self.emit(body, "for _once in ONE:")

        def project(st: _State, ind: str) -> None:
            self._project(names, st, ind)

        self.pattern(p.p, _State(frozenset({"this"}), frozenset(), frozenset()), [], project, body + "    ")
        others = [v for k, v in self.locals.items() if k != "this"]
        if others:  # every variable starts unbound
            self.lines.insert(start, body + " = ".join(others) + " = None")
        self.lines[start:start] = self.hoisted_lines
        self.emit(body, "return out")
        return "\n\n".join(self.helpers + ["\n".join(self.lines)]) + "\n"

    def _project(self, names, st: _State, ind: str) -> None:
        """A row as the closure path's constraint makes it of a projected solution (``_evaluate``):
        $this, ?path and ?value (None where unbound), the other bindings; none when all three are
        unbound; each row once."""
        bound = {n for n in names if n in st.certain or n in st.maybe}

        def slot(n: str) -> str:
            return self.local(n) if n in bound else "None"

        this, path, value = slot("this"), slot("path"), slot("value")
        if value != "None":
            value = f"_as_term({value})"
        rest = [n for n in names if n in bound and n not in ("this", "path", "value")]
        r = self.tmp()
        if not any(n in st.maybe for n in rest):
            self.emit(ind, f"{r} = {{{', '.join(f'{n!r}: {self.local(n)}' for n in rest)}}}")
        else:
            self.emit(ind, f"{r} = {{}}")
            for n in rest:
                v = self.local(n)
                if n in st.maybe:
                    self.emit(ind, f"if {v} is not None:")
                    self.emit(ind, f"    {r}[{n!r}] = {v}")
                else:
                    self.emit(ind, f"{r}[{n!r}] = {v}")
        if not any(n in st.certain for n in ("this", "path", "value") if n in names):
            self.emit(ind, f"if {this} is None and {path} is None and {slot('value')} is None:")
            self.emit(ind, "    continue")
        entry = self.tmp()
        self.emit(ind, f"{entry} = ({this}, {path}, {value}, {r})")
        self.emit(ind, f"if {entry} not in out:")
        self.emit(ind, f"    out.append({entry})")
        if st.found:
            self.emit(ind, "raise _Found")

    # -- graph patterns: code for every solution, then ``cont`` (state, indent) -----------------
    def pattern(self, p, st: _State, pending: list, cont, ind: str) -> None:
        name = getattr(p, "name", None)
        if name == "BGP":
            self._bgp(p, st, pending, cont, ind)
        elif name == "Filter":
            self._filter(p, st, pending, cont, ind)
        elif name == "Extend":
            self._extend(p, st, pending, cont, ind)
        elif name == "Join":
            self.pattern(p.p1, st, pending, lambda st1, ind1: self.pattern(p.p2, st1, pending, cont, ind1), ind)
        elif name == "Union":
            # each branch in a loop of its own, so that dropping a row in one never skips the other
            cont = self._once_per_key(p, st, cont, ind)
            for branch in (p.p1, p.p2):
                self.emit(ind, "for _once in ONE:")
                self.pattern(branch, st, pending, cont, ind + "    ")
        else:
            raise Unsupported(f"generated SPARQL: {name}")

    def _once_per_key(self, union, st: _State, cont, ind: str):
        """``cont`` after a UNION, run once per value of its key: the variables the branches bind that the
        query mentions outside the UNION (the filters, later patterns and the projection read no other
        variable of the branches, and the others are fixed while the UNION runs). What follows the UNION
        is a pure function of them: for a key met before (both branches reaching one assessment, say) it
        would make only rows already kept (each row is kept once), so it is skipped. Not for a query that
        reads the time or makes random values, nor where a branch may assign a variable bound before."""
        inside = _all_vars(union) | _bgp_vars_below(union)
        if (self.helper_depth or _names(self.root) & _NONDETERMINISTIC or inside & st.maybe):
            return cont
        key_vars = sorted((inside & _vars_outside(self.root, union)) - st.certain)
        seen = self.tmp()
        self.emit(ind, f"{seen} = {{}}")

        def once(st2: _State, ind2: str) -> None:
            slots = [self.local(v) if v in st2.certain or v in st2.maybe else None for v in key_vars]
            if len(slots) == 1 and slots[0] is not None:  # a dict of the value's type (an IRI is no blank node)
                v = slots[0]
                self.emit(ind2, f"if {seen}.get({v}) is type({v}):")
                self.emit(ind2, "    continue")
                self.emit(ind2, f"{seen}[{v}] = type({v})")
            else:
                k = self.tmp()
                self.emit(ind2, f"{k} = ({''.join(f'{v}, type({v}), ' if v else 'None, None, ' for v in slots)})")
                self.emit(ind2, f"if {k} in {seen}:")
                self.emit(ind2, "    continue")
                self.emit(ind2, f"{seen}[{k}] = True")
            cont(st2, ind2)

        return once

    def _ready(self, st: _State, pending: list, ind: str) -> _State:
        """The pending conjuncts whose variables are all bound now, checked here."""
        ready = [c for c in pending if id(c) not in st.done and c.vars <= st.certain]
        for c in ready:  # (each knowing what the ones before it established)
            st = self._check_one(c, st, ind)
        return st

    def _texts(self, e, st: _State, ind: str) -> _State:
        """Before ``e`` is written: the text of each certainly bound variable of which ``e`` takes STR and
        the query more than once, into a local (a term of the data: its text never errs), read from
        there by every STR, SUBSTR and digit cast of it that follows (the check-digit rules slice one
        text a dozen times)."""
        known = dict(st.texts)
        new = []
        for x in _below(e):
            if (_is_node(x) and x.name == "Builtin_STR" and isinstance(x.arg, Variable) and str(x.arg) in st.certain
                    and self.str_counts.get(str(x.arg), 0) > 1 and str(x.arg) not in known):
                var = str(x.arg)
                v, local = self.local(var), self.local("str:" + var)
                self.emit(ind, f"{local} = ({v}[0] if type({v}) is L else _str({v})[0])")
                known[var] = local
                new.append((var, local))
        return st._with(texts=st.texts + tuple(new)) if new else st

    def _check_one(self, c: _Check, st: _State, ind: str) -> _State:
        """Conjunct ``c`` checked here; for a variable it shows to be an xsd:date literal that the query
        compares with another variable, whether its text is a plain date, once (``pd:`` local, what
        _compare's fast path asks of both sides): a loop then asks it of its own variable only."""
        st = self._texts(c.expr, st, ind)
        self.check(c.expr, st, ind)
        var = c.date_var
        if var is not None and var in st.certain and var not in st.dates and var in self.compared:
            v = self.local(var)
            self.emit(ind, f"{self.local('pd:' + var)} = PLAIN_DATES.get({v}[0]) or _plain_date({v}[0])")
        return st.checked([c])

    def _filter(self, p, st: _State, pending: list, cont, ind: str) -> None:
        checks = [_Check(c) for c in _conjuncts(p.expr)]

        def after(st2: _State, ind2: str) -> None:
            for c in checks:
                if id(c) not in st2.done:
                    st2 = self._check_one(c, st2, ind2)
            cont(st2, ind2)  # (every conjunct checked, each where it was written)

        self.pattern(p.p, st, pending + [c for c in checks if c.pushable], after, ind)

    def _extend(self, p, st: _State, pending: list, cont, ind: str) -> None:
        var = str(p.var)

        def after(st2: _State, ind2: str) -> None:
            st2 = self._texts(p.expr, st2, ind2)
            v = self.local(var)
            fresh = var not in st2.certain and var not in st2.maybe
            value = v if fresh else self.tmp()  # (a new variable is assigned its value directly)
            self.emit(ind2, "try:")
            code = self.expr(p.expr, st2, ind2 + "    ")
            self.emit(ind2, f"    {value} = {code}")
            self.emit(ind2, "except _Err:")
            self.emit(ind2, f"    {value} = None")
            if fresh:
                pass
            elif var in st2.certain:  # BIND to a bound variable: the row stays when the value is the same
                self.emit(ind2, f"if {value} is not None and not ({v} == {value}):")
                self.emit(ind2, "    continue")
            elif var in st2.maybe:
                self.emit(ind2, f"if {v} is None:")
                self.emit(ind2, f"    {v} = {value}")
                self.emit(ind2, f"elif {value} is not None and not ({v} == {value}):")
                self.emit(ind2, "    continue")
            cont(st2.assign_maybe(var, self.kind(p.expr, st2)), ind2)

        self.pattern(p.p, st, pending, after, ind)

    def _bgp(self, p, st: _State, pending: list, cont, ind: str) -> None:
        triples = [tuple(self.compiler._pattern_term(t) for t in triple) for triple in p.triples]
        for triple in triples:
            for kind, v in triple:
                if kind == "var" and v in st.maybe:
                    raise Unsupported("generated SPARQL: a perhaps unbound variable in a triple pattern")
        st = self._ready(st, pending, ind)
        entries = dict(st.entries)
        scope = None
        bound = set(st.certain)
        remaining = list(triples)
        while remaining:  # the closure path's join order (_plan): most bound terms first
            spec, new = _s.next_pattern(remaining, bound)
            bound.update(new)
            ind = self._step(spec, ind, entries)
            st = self._ready(st.bind(new), pending, ind)
            if scope is None and not st.found and not self.helper_depth and self.projected <= st.certain:
                scope = len(self.lines), ind
                self.emit(ind, "try:")
                ind += "    "
                st = st._with(found=True)
        cont(st.with_entries(entries), ind)
        if scope is not None:
            self._close_scope(*scope)

    def _close_scope(self, start: int, ind: str) -> None:
        """End the ``try`` opened at line ``start`` where the row became fixed: the search stops at its first
        row when loops follow inside it; else (nothing to skip) the ``try`` is a plain block."""
        body = range(start + 1, len(self.lines))
        if any(self.lines[i].lstrip().startswith("for ") for i in body):
            self.emit(ind, "except _Found:")
            self.emit(ind, "    pass")
            return
        self.lines[start] = ind + "if True:"
        for i in body:
            if self.lines[i].strip() == "raise _Found":
                self.lines[i] = self.lines[i].replace("raise _Found", "pass")

    def _step(self, spec, ind: str, entries: dict) -> str:
        """One triple pattern's loop (what _generate_run writes); the indent of its body. ``entries``:
        the index entries looked up for bound variables so far (added to)."""
        (sk, sv), (pk, pv), (ok_, ov) = spec

        def term(kind, v) -> str:
            return self.const(v) if kind == 0 else self.local(v) if kind == 1 else "None"

        s, pr, o = term(sk, sv), term(pk, pv), term(ok_, ov)
        body = ind + "    "
        if sk in (0, 1) and pk in (0, 1) and ok_ in (0, 1, 2):
            if sk == 1 and sv == "this":  # the focus node's own triples: looked up once per call
                b = self.hoist(("spo", s), f"spo.get({s}) if type({s}) is not L else None", ind)
            elif sk == 0 and type(sv) is str:
                b = self.hoist(("spo", s), f"spo.get({s})", ind)
            elif sk == 1 and sv in entries:
                b = entries[sv]
            else:
                b = self.tmp()
                if sk == 1:
                    entries[sv] = b
                self.emit(ind, f"{b} = spo.get({s}) if type({s}) is not L else None")
            objs = f"({b}.get({pr}, E) if {b} is not None else E)"
            if ok_ == 2:
                self.emit(ind, f"for {self.local(ov)} in {objs}:")
            else:
                # every term known: a look-up, not a loop (the index holds an object once; the body
                # runs once or not at all, and a row dropped in it ends this step, as in the loop)
                if b in self.hoisted.values() and pk == 0 and len(ind) >= 12:
                    # of the focus node's (a constant's) values, inside a loop: a set of (value, type)
                    # made at the first look-up of the call, instead of a search of the list each time
                    # (a value is matched with its type, as the closure path's _triples matches it)
                    found = self.hoist(("set", b, pr), "None", ind)
                    self.emit(ind, f"if {found} is None:")
                    self.emit(ind, f"    {found} = {{(x, type(x)) for x in {objs}}}")
                    self.emit(ind, f"if ({o}, type({o})) in {found}:")
                else:
                    found = self.tmp()
                    self.emit(ind, f"{found} = {objs}")
                    self.emit(ind, f"if {o} in {found} and type({found}[{found}.index({o})]) is type({o}):")
        elif sk == 2 and pk in (0, 1) and ok_ in (0, 1):
            b = self.hoist(("pos", pr), f"pos.get({pr})", ind) if pk == 0 else self.tmp()
            if pk != 0:
                self.emit(ind, f"{b} = pos.get({pr})")
            self.emit(ind, f"for {self.local(sv)} in ({b}.get({o}, E) if {b} is not None else E):")
        elif sk == 2 and pk == 0 and ok_ == 2 and sv != ov:
            # every triple of a constant predicate, in the order data.subject_objects gives them
            b = self.hoist(("pos", pr), f"pos.get({pr})", ind)
            self.emit(ind, f"for {self.local(ov)}, xs in ({b}.items() if {b} is not None else E):")
            self.emit(body, f"for {self.local(sv)} in xs:")
            body += "    "
        else:
            self.emit(ind, f"for ts, tp, to in _triples(data, {s}, {pr}, {o}):")
            for k, v, t, typed in ((sk, sv, "ts", False), (pk, pv, "tp", True), (ok_, ov, "to", True)):
                if k == 3:
                    lv = self.local(v)
                    self.emit(body, f"if {lv} != {t}" + (f" or type({lv}) is not type({t}):" if typed else ":"))
                    self.emit(body, "    continue")
                if k == 2:
                    self.emit(body, f"{self.local(v)} = {t}")
        return body

    # -- expressions --------------------------------------------------------------------------------
    def check(self, e, st: _State, ind: str) -> None:
        """Drop the row unless ``e`` is true without error (the closure path's ``_passes``)."""
        self.emit(ind, "try:")
        code, is_bool = self.expr_kind(e, st, ind + "    ")
        if is_bool and re.fullmatch(r"t\d+", code):  # a temporary of this check's own: tested as it is
            ok = code
        else:
            ok = self.tmp()
            self.emit(ind, f"    {ok} = {code}" if is_bool else f"    {ok} = _ebv({code})")
        self.emit(ind, "except _Err:")
        self.emit(ind, f"    {ok} = False")
        self.emit(ind, f"if not {ok}:")
        self.emit(ind, "    continue")

    def expr(self, e, st: _State, ind: str) -> str:
        return self.expr_kind(e, st, ind)[0]

    def ebv(self, e, st: _State, ind: str) -> str:
        code, is_bool = self.expr_kind(e, st, ind)
        return code if is_bool else f"_ebv({code})"

    def var(self, name: str, st: _State, ind: str) -> str:
        if name == "PATH":
            raise Unsupported("$PATH in an expression")
        if name in st.certain:
            return self.local(name)
        if name in st.maybe:
            v = self.local(name)
            self.emit(ind, f"if {v} is None:")
            self.emit(ind, f"    _unbound({name!r})")
            return v
        return f"_unbound({name!r})"

    def expr_kind(self, e, st: _State, ind: str) -> tuple[str, bool]:
        """Python code for the value of ``e`` (statements written before it at ``ind``, any of which may
        raise ``_Err``) and whether the value is surely a bool."""
        if isinstance(e, Variable):
            return self.var(str(e), st, ind), False
        if isinstance(e, BNode):
            raise Unsupported("blank node in a SPARQL expression")
        if isinstance(e, (URIRef, Literal)):
            return self.const(_s._from_r(e)), False
        name = getattr(e, "name", None)
        if name is None:
            raise Unsupported(f"SPARQL expression {e!r}")
        folded = self._fold(e)
        if folded is not None:
            return folded, False
        method = getattr(self, "_" + name, None)
        found = method(e, st, ind) if method is not None else None
        if found is not None:
            return found
        return self._closure(e, st, ind), False

    def _fold(self, e) -> str | None:
        """An expression without variables, nor anything that changes from call to call: its value."""
        names = _names(e)
        if _all_vars(e) or names & _NONDETERMINISTIC or names & {"Builtin_EXISTS", "Builtin_NOTEXISTS"}:
            return None
        fn = self.compiler.expr(e)
        try:
            value = fn({})
        except _s._Err:
            return "_fail()"
        except Exception:  # noqa: BLE001 - not folded: evaluated as written, every time
            return None
        return self.const(value)

    def _closure(self, e, st: _State, ind: str) -> str:
        """The closure path's own compiled expression, called with a row of the bound variables."""
        fn = self.const(self.compiler.expr(e))
        used = sorted(_all_vars(e) & (st.certain | st.maybe))
        fixed = [n for n in used if n in st.certain]
        maybe = [n for n in used if n in st.maybe]
        entries = ", ".join([f"{n!r}: {self.local(n)}" for n in fixed] + ["'__data__': data"])
        if not maybe:
            return f"{fn}({{{entries}}})"
        pairs = ", ".join(f"({n!r}, {self.local(n)})" for n in maybe)
        return f"{fn}(_row({{{entries}}}, ({pairs},)))"

    def _ConditionalOrExpression(self, e, st, ind):
        parts = [e.expr] + list(e.other or [])
        if len(parts) == 1:
            return self.expr_kind(parts[0], st, ind)
        r, err = self.tmp(), self.tmp()
        self.emit(ind, f"{r} = False")
        self.emit(ind, f"{err} = None")
        for i, part in enumerate(parts):  # true at the first true operand; else the last error, or false
            inner = ind if i == 0 else ind + "    "
            if i:
                self.emit(ind, f"if not {r}:")
            self.emit(inner, "try:")
            code = self.ebv(part, st, inner + "    ")
            self.emit(inner, f"    if {code}:")
            self.emit(inner, f"        {r} = True")
            self.emit(inner, "except _Err as _x:")
            self.emit(inner, f"    {err} = _x")
        self.emit(ind, f"if not {r} and {err} is not None:")
        self.emit(ind, f"    raise {err}")
        return r, True

    def _ConditionalAndExpression(self, e, st, ind):
        parts = [e.expr] + list(e.other or [])
        if len(parts) == 1:
            return self.expr_kind(parts[0], st, ind)
        values = []
        for part in parts:  # every operand evaluated, then the errors and EBVs left to right
            t = self.tmp()
            self.emit(ind, "try:")
            code = self.expr(part, st, ind + "    ")
            self.emit(ind, f"    {t} = {code}")
            self.emit(ind, "except _Err as _x:")
            self.emit(ind, f"    {t} = _x")
            values.append(t)
        # (every operand true, the common case, without the call)
        return f"({' and '.join(f'{v} is True' for v in values)} or _and_values(({', '.join(values)},)))", True

    def _UnaryNot(self, e, st, ind):
        return f"(not {self.ebv(e.expr, st, ind)})", True

    def _RelationalExpression(self, e, st, ind):
        op = e.op
        if e.other is None:
            return self.expr_kind(e.expr, st, ind)
        other = e.other
        if op in ("IN", "NOT IN"):
            return self._in(e, st, ind)
        if op in ("=", "!=") and isinstance(other, URIRef):
            iri = self.const(str(other))
            cmp = "==" if op == "=" else "!="
            if getattr(e.expr, "name", None) == "Builtin_DATATYPE":
                x = self.named(self.expr(e.expr.arg, st, ind), ind)
                if str(other) in (_s.XSD_STRING, _s.RDF_LANGSTRING):
                    return f"(_datatype_of({x}) {cmp} {iri})", True
                # a typed literal's datatype is its own (an ill-typed one's too: its language is "")
                test = f"(({x}[1] == {iri} and not {x}[2]) if type({x}) is L else _datatype_of({x}) == {iri})"
                return (test if op == "=" else f"(not {test})"), True
            t = self.named(self.expr(e.expr, st, ind), ind)
            if op == "=":
                return f"(type({t}) is str and {t} == {iri})", True
            return f"(not (type({t}) is str and {t} == {iri}))", True
        if self.kind(e.expr, st) is not None and self.kind(other, st) is not None:
            # two numbers of known kinds (xsd:integer, or xsd:decimal of an integer): _compare's value is
            # that of Python's comparison of their integers (exact between int and Decimal)
            a = self.named(self._num(e.expr, st, ind), ind)
            return f"({a} {'==' if op == '=' else op} {self._num(other, st, ind)})", True
        if (isinstance(e.expr, Variable) and isinstance(other, Variable) and str(e.expr) in st.dates
                and str(other) in st.dates):  # two xsd:date literals: _compare's fast path for them
            a, b, r = self.local(str(e.expr)), self.local(str(other)), self.tmp()
            self.emit_lines(ind, [
                f"if {self.local('pd:' + str(e.expr))} and {self.local('pd:' + str(other))}:",
                f"    {r} = {a}[0] {'==' if op == '=' else op} {b}[0]",
                "else:",
                f"    {r} = _compare({op!r}, {a}, {b})",
            ])
            return r, True
        if self._is_text(e.expr) and self._is_text(other):  # two simple literals: by their text
            a = self.tmp()
            self.emit(ind, f"{a} = {self.text(e.expr, st, ind)}")
            return f"({a} {'==' if op == '=' else op} {self.text(other, st, ind)})", True
        a = self.named(self._operand(e.expr, st, ind), ind)
        b = self.named(self._operand(other, st, ind), ind)
        b_value = _s._from_r(other) if isinstance(other, (URIRef, Literal)) else None
        return self._compare(op, a, b, b_value, ind), True

    def _operand(self, e, st, ind) -> str:
        """A comparison's operand: as any expression, but ``X - K * FLOOR(X / K)`` (X modulo K, the
        check-digit rules) computed on integers where X is an integer below 10**24 (or a Decimal of
        one): the same value as the Decimal arithmetic gives; a comparison looks at nothing else."""
        mod = _modulo(e)
        if mod is None:
            return self.expr(e, st, ind)
        x_expr, k = mod
        x, r = self.tmp(), self.tmp()
        self.emit(ind, f"{x} = {self.expr(x_expr, st, ind)}")
        self.emit_lines(ind, [
            f"if type({x}) is N and ((type({x}[0]) is int and {-_SMALL} < {x}[0] < {_SMALL}) or (type({x}[0]) is Decimal"
            f" and {x}[0].is_finite() and {-_SMALL} < {x}[0] < {_SMALL} and {x}[0] == {x}[0].to_integral_value())):",
            f"    {r} = N((Decimal(int({x}[0]) % {k}), XSD_DECIMAL))",
            "else:",
        ])
        self.emit(ind, f"    {r} = {self.expr(e, st, ind + '    ')}")
        return r

    def kind(self, e, st: _State) -> tuple[int, bool] | None:
        """(bound, is_int) when the value of ``e``, wherever it has one (no error), is N((i, xsd:integer))
        (is_int) or N((Decimal(i), xsd:decimal)) for a Python integer i with abs(i) < bound: integer
        constants, the digit casts, YEAR/MONTH/DAY (rdflib makes an xsd:integer of a year of at most four
        digits), variables BIND assigned such, sums of integers, the check-digit sums, the modulo idiom of
        one and IF of two of one kind. None for any other expression (nothing known)."""
        if isinstance(e, Variable):
            return st.num(str(e))
        if isinstance(e, Literal):
            constant = _s._int_constant(e)
            return (abs(constant) + 1, True) if constant is not None else None
        name = getattr(e, "name", None)
        if _alone(e):
            return self.kind(e.expr, st)
        if name in ("Builtin_YEAR", "Builtin_MONTH", "Builtin_DAY"):
            return _DATE_PART_BOUND, True
        if name == "Function" and _is_integer_cast(e):
            digits = _s._fixed_substr_of_str(e.expr[0])
            return (10 ** (digits[2] - digits[1]), True) if digits is not None else None
        if name == "Builtin_IF":
            a, b = self.kind(e.arg2, st), self.kind(e.arg3, st)
            return (max(a[0], b[0]), a[1]) if a is not None and b is not None and a[1] == b[1] else None
        if name != "AdditiveExpression":
            return None
        linear = _linear(e)
        if linear is not None:  # written on Python integers (_linear_sum) when every variable is a small one
            small = self._small_ints(st)
            if not all(var in small for _sign, _factor, var in linear):
                return None
            bound = sum((abs(factor) if factor is not None else 1) * st.num(var)[0] for _sign, factor, var in linear)  # type: ignore[index]
            return bound, all(factor is None for _sign, factor, _var in linear)
        mod = _modulo(e)
        if mod is not None:  # Decimal(X modulo K): what _operand's fast path gives, below 10**24
            x = self.kind(mod[0], st)
            return (mod[1], False) if x is not None and x[0] <= _SMALL else None
        bounds = []
        for x in [e.expr, *e.other]:
            k = self.kind(x, st)
            if k is None or not k[1]:
                return None
            bounds.append(k[0])
        return sum(bounds), True

    def _num(self, e, st: _State, ind: str) -> str:
        """Code for the Python integer i of an expression whose :meth:`kind` is known (raising ``_Err``
        where the expression errs, its operands evaluated in the same order)."""
        if isinstance(e, Variable):
            v = self.var(str(e), st, ind)
            return f"{v}[0]" if st.num(str(e))[1] else f"int({v}[0])"  # type: ignore[index]
        if isinstance(e, Literal):
            return repr(_s._int_constant(e))
        name = getattr(e, "name", None)
        if _alone(e):
            return self._num(e.expr, st, ind)
        if name in ("Builtin_YEAR", "Builtin_MONTH", "Builtin_DAY", "Function"):
            return f"{self.named(self.expr(e, st, ind), ind)}[0]"
        if name == "Builtin_IF":
            return self._if(e, st, ind, self._num)
        linear = _linear(e)
        if linear is not None:
            names = [self.var(var, st, ind) for _sign, _factor, var in linear]
            return "(" + " ".join(f"{sign} {factor} * {v}[0]" if factor is not None else f"{sign} {v}[0]"
                                  for (sign, factor, _var), v in zip(linear, names, strict=True)) + ")"
        mod = _modulo(e)
        if mod is not None:
            return f"({self.named(self._num(mod[0], st, ind), ind)} % {mod[1]})"
        parts = [self.named(self._num(x, st, ind), ind) for x in [e.expr, *e.other]]
        return "(" + parts[0] + "".join(f" {op} {x}" for op, x in zip(e.op, parts[1:], strict=True)) + ")"

    def _small_ints(self, st: _State) -> set:
        """The variables known to be unbound or an xsd:integer below 10**12 (what _linear_sum needs)."""
        return {n for n, bound, is_int in st.nums if is_int and bound <= _TERM}

    def _compare(self, op: str, a: str, b: str, b_value, ind: str) -> str:
        """``_compare(op, a, b)`` with its fast paths written out (``b_value``: b's value when it is a
        constant): two canonical xsd:date literals or two plain strings by their text, two IRIs (= and
        !=), an integer or decimal value against an integer constant by value."""
        py = "==" if op == "=" else op
        r = self.tmp()
        if type(b_value) is _s.N and type(b_value[0]) is int:
            self.emit_lines(ind, [
                f"if type({a}) is N and (type({a}[0]) is int or type({a}[0]) is Decimal):",
                f"    {r} = {a}[0] {py} {b_value[0]!r}",
                "else:",
                f"    {r} = _compare({op!r}, {a}, {b})",
            ])
            return r
        if type(b_value) is L and b_value[1] is None and not b_value[2]:
            self.emit_lines(ind, [
                f"if type({a}) is L and {a}[1] is None and not {a}[2]:",
                f"    {r} = {a}[0] {py} {b}[0]",
                "else:",
                f"    {r} = _compare({op!r}, {a}, {b})",
            ])
            return r
        iris = [f"if type({a}) is str and type({b}) is str:", f"    {r} = {a} {py} {b}"] if op in ("=", "!=") else []
        self.emit_lines(ind, [
            *iris,
            f"{'elif' if iris else 'if'} type({a}) is L and type({b}) is L:",
            f"    if {a}[1] == XSD_DATE and {b}[1] == XSD_DATE and PLAIN_DATES.get({a}[0]) and PLAIN_DATES.get({b}[0]):",
            f"        {r} = {a}[0] {py} {b}[0]",
            f"    elif {a}[1] is None and {b}[1] is None and not {a}[2] and not {b}[2]:",
            f"        {r} = {a}[0] {py} {b}[0]",
            "    else:",
            f"        {r} = _compare({op!r}, {a}, {b})",
            "else:",
            f"    {r} = _compare({op!r}, {a}, {b})",
        ])
        return r

    def _in(self, e, st, ind):
        """``x IN (<iri>, ...)`` / ``NOT IN``: with IRIs only, a set look-up (what _term_eq gives an IRI:
        equal to a value that is an IRI of the same text, to nothing else)."""
        others = [] if e.other == URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#nil") else list(e.other)
        if not all(isinstance(x, URIRef) for x in others):
            return None
        x = self.tmp()
        self.emit(ind, f"{x} = {self.expr(e.expr, st, ind)}")
        found = f"(type({x}) is str and {x} in {self.const(frozenset(str(o) for o in others))})"
        return (found if e.op == "IN" else f"(not {found})"), True

    def emit_lines(self, ind: str, lines) -> None:
        for line in lines:
            self.lines.append(ind + line)

    def _operands(self, e, st, ind) -> tuple[str, list[str]]:
        """The operands of an additive or multiplicative expression, each computed into a name of its own."""
        first = self.tmp()
        self.emit(ind, f"{first} = {self.expr(e.expr, st, ind)}")
        rest = []
        for x in e.other:
            t = self.tmp()
            self.emit(ind, f"{t} = {self.expr(x, st, ind)}")
            rest.append(t)
        return first, rest

    def _AdditiveExpression(self, e, st, ind):
        if e.other is None:
            return self.expr_kind(e.expr, st, ind)
        linear = _linear(e)
        if linear is not None:
            return self._linear_sum(e, linear, st, ind), False
        found = self.kind(e, st)
        if found is not None and found[1]:  # integers only (_add_values: an xsd:integer of their sum)
            return f"N(({self._num(e, st, ind)}, XSD_INTEGER))", False
        first, rest = self._operands(e, st, ind)
        return f"_add_values({first}, {self.const(tuple(e.op))}, [{', '.join(rest)}])", False

    def _linear_sum(self, e, terms, st, ind) -> str:
        """``3*?d1 + 7*?d2 - ?d3 ...`` (the check-digit sums) on Python integers where every variable is an
        xsd:integer below 10**12: what the Decimal arithmetic gives exactly at that size (a Decimal
        wherever a term has a constant factor, as ``_mul_constant`` makes one; else an integer)."""
        names = []
        for _sign, _factor, var in terms:
            names.append(self.var(var, st, ind))
        known = {self.local(v) for v in self._small_ints(st)}  # (bound here: var() raised for an unbound one)
        guard = " and ".join(f"type({v}) is N and type({v}[0]) is int and {v}[1] == XSD_INTEGER and {-_TERM} < {v}[0] < {_TERM}"
                             for v in dict.fromkeys(names) if v not in known)
        total = " ".join(f"{sign} {factor} * {v}[0]" if factor is not None else f"{sign} {v}[0]"
                         for (sign, factor, _var), v in zip(terms, names, strict=True))
        r = self.tmp()
        decimal = any(factor is not None for _sign, factor, _var in terms)
        fast = f"{r} = N((Decimal({total}), XSD_DECIMAL))" if decimal else f"{r} = N(({total}, XSD_INTEGER))"
        if not guard:
            self.emit(ind, fast)
            return r
        self.emit(ind, f"if {guard}:")
        self.emit(ind, "    " + fast)
        self.emit(ind, "else:")
        inner = ind + "    "
        first, rest = self._operands(e, st, inner)
        self.emit(inner, f"{r} = _add_values({first}, {self.const(tuple(e.op))}, [{', '.join(rest)}])")
        return r

    def _MultiplicativeExpression(self, e, st, ind):
        if e.other is None:
            return self.expr_kind(e.expr, st, ind)
        ops = list(e.op)
        if len(ops) == 1 and ops[0] == "*":
            factor = _s._int_constant(e.expr)
            if factor is not None:
                return f"_mul_constant({self.const(Decimal(factor))}, {self.expr(e.other[0], st, ind)})", False
            a = self.tmp()
            self.emit(ind, f"{a} = {self.expr(e.expr, st, ind)}")
            return f"_mul_two({a}, {self.expr(e.other[0], st, ind)})", False
        first, rest = self._operands(e, st, ind)
        return f"_mul_values({first}, {self.const(tuple(ops))}, [{', '.join(rest)}])", False

    def text(self, e, st, ind) -> str | None:
        """For an expression whose value is always a simple literal (no datatype, no language): code for
        its text, raising ``_Err`` where the expression errs; None for any other expression. Such are
        ``STR(x)``, a plain string constant, ``SUBSTR`` of one with fixed bounds and ``CONCAT`` of them
        (which gives a simple literal when every argument is one)."""
        if not self._is_text(e):
            return None
        if isinstance(e, Literal):
            return self.const(_s._from_r(e)[0])
        name = getattr(e, "name", None)
        if name == "Builtin_STR":
            return self._text_of_str(e, st, ind)
        if name == "Builtin_SUBSTR":
            first, end = self._substr_bounds(e)  # type: ignore[misc]
            t = self.tmp()
            self.emit(ind, f"{t} = {self.text(e.arg, st, ind)}[{first}:{end}]")
            return t
        parts = []  # CONCAT
        for x in e.arg:
            t = self.tmp()
            self.emit(ind, f"{t} = {self.text(x, st, ind)}")
            parts.append(t)
        return "(" + " + ".join(parts) + ")"

    def _is_text(self, e) -> bool:
        """Whether :meth:`text` writes ``e`` (without writing anything)."""
        if isinstance(e, Literal):
            value = _s._from_r(e)
            return type(value) is L and value[1] is None and not value[2]
        name = getattr(e, "name", None)
        if name == "Builtin_STR":
            return True
        if name == "Builtin_SUBSTR":
            return self._substr_bounds(e) is not None and self._is_text(e.arg)
        if name == "Builtin_CONCAT":
            return bool(e.arg) and all(self._is_text(x) for x in e.arg)
        return False

    @staticmethod
    def _substr_bounds(e) -> tuple[int, int] | None:
        """``SUBSTR(x, start, length)`` with constant start >= 1 and length >= 0: the Python slice."""
        start = _s._int_constant(e.start)
        length = _s._int_constant(e.length) if e.length is not None else None
        if start is None or length is None or start < 1 or length < 0:
            return None
        return start - 1, start - 1 + length

    def _text_of_str(self, e, st, ind) -> str | None:
        """For ``STR(x)``: code for the text (the lexical form), with ``x`` read once."""
        if getattr(e, "name", None) != "Builtin_STR":
            return None
        if isinstance(e.arg, Variable) and str(e.arg) in dict(st.texts):
            return dict(st.texts)[str(e.arg)]
        x = self.named(self.expr(e.arg, st, ind), ind)
        return f"({x}[0] if type({x}) is L else _str({x})[0])"

    def _Builtin_STR(self, e, st, ind):
        return f"_str({self.expr(e.arg, st, ind)})", False

    def _Builtin_REGEX(self, e, st, ind):
        if e.flags is not None or not isinstance(e.pattern, Literal):
            return None
        pattern = _s._from_r(e.pattern)
        if type(pattern) is not L or not (pattern[1] is None or pattern[1] == _s.XSD_STRING):
            return None
        try:
            compiled = re.compile(pattern[0], 0)
        except re.error:
            return None
        text = self.text(e.text, st, ind)
        if text is None:
            text = f"_string({self.expr(e.text, st, ind)})[0]"
        # whether a text matches is remembered per pattern (across records: the same years, codes and
        # dates come again and again; across queries: rules that test one text against one pattern),
        # a dictionary look-up instead of a search
        memo = self.const(_REGEX_MEMOS.setdefault(pattern[0], _Memo()))
        t, r = self.tmp(), self.tmp()
        self.emit(ind, f"{t} = {text}")
        self.emit(ind, f"{r} = {memo}.get({t})")
        self.emit(ind, f"if {r} is None:")
        self.emit(ind, f"    {r} = {memo}.search({self.const(compiled)}, {t})")
        return r, True

    def _Builtin_SUBSTR(self, e, st, ind):
        bounds = self._substr_bounds(e)
        if bounds is None:
            return None
        first, end = bounds
        text = self.text(e.arg, st, ind)
        if text is not None:  # a simple literal's substring is one
            return f"L(({text}[{first}:{end}], None, None))", False
        a = self.tmp()
        self.emit(ind, f"{a} = _string({self.expr(e.arg, st, ind)})")
        return f"L(({a}[0][{first}:{end}], {a}[1], {a}[2]))", False

    def _Function(self, e, st, ind):
        iri = str(e.iri)
        if not iri.startswith(XSD) or len(e.expr) != 1:
            return None
        digits = _s._fixed_substr_of_str(e.expr[0]) if iri == _s.XSD_INTEGER else None
        if digits is not None:  # xsd:integer(SUBSTR(STR(?v), start, length)): the digits of ?v's text
            var, first, end = digits
            v = self.var(var, st, ind)
            text, t = self.tmp(), self.tmp()
            whole = dict(st.texts).get(var) or f"({v}[0] if type({v}) is L else _str({v})[0])"
            self.emit(ind, f"{text} = {whole}[{first}:{end}]")
            self.emit(ind, f"{t} = INTEGERS.get({text})")  # the digits' value, made once per text
            self.emit(ind, f"if {t} is None:")
            self.emit(ind, f"    {t} = _integer_of_text({text})")
            return t, False
        arg = self.expr(e.expr[0], st, ind)
        if iri == _s.XSD_INTEGER:
            return f"_to_integer({arg})", False
        return f"_cast({self.const(iri)}, {arg})", False

    def _Builtin_CONCAT(self, e, st, ind):
        text = self.text(e, st, ind)
        if text is not None:
            return f"L(({text}, None, None))", False
        values = []
        for x in e.arg:
            t = self.tmp()
            self.emit(ind, f"{t} = {self.expr(x, st, ind)}")
            values.append(t)
        return f"_concat_values([{', '.join(values)}])", False

    def _Builtin_EXISTS(self, e, st, ind):
        return self._exists(e, st, ind, True)

    def _Builtin_NOTEXISTS(self, e, st, ind):
        return self._exists(e, st, ind, False)

    def _exists(self, e, st, ind, want: bool):
        """``EXISTS { ... }`` as a function of its own (true at the first solution) called with the
        variables bound here; with a perhaps unbound variable in it, the closure path's EXISTS."""
        from rdflib.plugins.sparql.algebra import translateGroupGraphPattern

        graph = e.graph
        if getattr(graph, "name", None) in ("GroupGraphPatternSub", "GroupGraphPattern"):
            graph = translateGroupGraphPattern(graph)
        mentioned = _all_vars(graph) | _bgp_vars_below(graph)
        if mentioned & st.maybe:
            return None
        params = sorted(mentioned & st.certain)
        name = f"ex{len(self.helpers)}"
        outer_lines, self.lines = self.lines, []
        self.helper_depth += 1
        try:
            args = ", ".join(["data", "spo", "pos"] + [self.local(v) for v in params])
            self.emit("", f"def {name}({args}):")
            self.emit("    ", "for _once in ONE:")
            inner = _State(frozenset(params), frozenset(), frozenset())
            self.pattern(graph, inner, [], lambda _st, ind2: self.emit(ind2, "return True"), "        ")
            self.emit("    ", "return False")
            self.helpers.append("\n".join(self.lines))
        finally:
            self.helper_depth -= 1
            self.lines = outer_lines
        call = f"{name}({', '.join(['data', 'spo', 'pos'] + [self.local(v) for v in params])})"
        return (call if want else f"(not {call})"), True

    def _Builtin_NOW(self, e, st, ind):
        return "_now_term()", False

    def _Builtin_DATATYPE(self, e, st, ind):
        return f"_datatype_of({self.expr(e.arg, st, ind)})", False

    def _Builtin_FLOOR(self, e, st, ind):
        return f"_floor_value({self.expr(e.arg, st, ind)})", False

    def _Builtin_YEAR(self, e, st, ind):
        return f"_date_part_value({self.expr(e.arg, st, ind)}, 'year')", False

    def _Builtin_MONTH(self, e, st, ind):
        return f"_date_part_value({self.expr(e.arg, st, ind)}, 'month')", False

    def _Builtin_DAY(self, e, st, ind):
        return f"_date_part_value({self.expr(e.arg, st, ind)}, 'day')", False

    def _Builtin_IF(self, e, st, ind):
        return self._if(e, st, ind, self.expr), False

    def _if(self, e, st, ind, write) -> str:
        """``IF(c, a, b)`` into a temporary: ``write`` (expr, or _num for the integer) of a or b."""
        r = self.tmp()
        cond = self.ebv(e.arg1, st, ind)
        self.emit(ind, f"if {cond}:")
        self.emit(ind + "    ", f"{r} = {write(e.arg2, st, ind + '    ')}")
        self.emit(ind, "else:")
        self.emit(ind + "    ", f"{r} = {write(e.arg3, st, ind + '    ')}")
        return r

    def _Builtin_BOUND(self, e, st, ind):
        if not isinstance(e.arg, Variable):
            return None
        name = str(e.arg)
        if name in st.certain:
            return "True", True
        if name in st.maybe:
            return f"({self.local(name)} is not None)", True
        return "False", True

    def _Builtin_isIRI(self, e, st, ind):
        return f"(type({self.expr(e.arg, st, ind)}) is str)", True

    _Builtin_isURI = _Builtin_isIRI

    def _Builtin_isBLANK(self, e, st, ind):
        return f"(type({self.expr(e.arg, st, ind)}) is B)", True

    def _Builtin_isLITERAL(self, e, st, ind):
        return f"_is_literal({self.expr(e.arg, st, ind)})", True


_DATE_PART_BOUND = 10**5  # YEAR, MONTH, DAY of a Python date (years 1 to 9999)
_SMALL = 10**24  # an integer this small divides by a small constant exactly in Decimal arithmetic (28 digits)
_TERM = 10**12  # and a sum of terms this small, with constant factors below 10**6, stays below it


def _alone(e) -> bool:
    """Whether ``e`` is an operator node with one operand alone (its value is that operand's, as
    expr_kind writes it)."""
    name = getattr(e, "name", None)
    if name in ("AdditiveExpression", "MultiplicativeExpression", "RelationalExpression"):
        return e.other is None
    if name in ("ConditionalAndExpression", "ConditionalOrExpression"):
        return not e.other
    return False


def _linear(e):
    """For ``t1 +/- t2 ...`` where each term is a variable or ``<integer constant> * variable`` (the constant
    below 10**6, at most 1,000 terms): [(sign, factor or None, variable)]; else None."""
    items = [e.expr] + list(e.other)
    if len(items) > 1000:
        return None
    signs = ["+"] + list(e.op)
    out = []
    for sign, item in zip(signs, items, strict=True):
        if isinstance(item, Variable) and str(item) != "PATH":
            out.append((sign, None, str(item)))
            continue
        if getattr(item, "name", None) != "MultiplicativeExpression" or not item.other or len(item.other) != 1:
            return None
        factor = _s._int_constant(item.expr)
        var = item.other[0]
        if list(item.op) != ["*"] or factor is None or not -10**6 < factor < 10**6:
            return None
        if not isinstance(var, Variable) or str(var) == "PATH":
            return None
        out.append((sign, factor, str(var)))
    if out[0][1] is None:
        return None  # a bare first term: the arithmetic starts from its own type (left to the general path)
    return out


def _same(a, b) -> bool:
    """The same expression, as far as the modulo idiom needs: a variable, or YEAR/MONTH/DAY of one."""
    if isinstance(a, Variable) or isinstance(b, Variable):
        return isinstance(a, Variable) and isinstance(b, Variable) and str(a) == str(b) != "PATH"
    name = getattr(a, "name", None)
    return (name in ("Builtin_YEAR", "Builtin_MONTH", "Builtin_DAY") and getattr(b, "name", None) == name
            and _same(a.arg, b.arg))


def _modulo(e):
    """For ``X - K * FLOOR(X / K)`` (K a positive integer constant): (X, K); else None."""
    if getattr(e, "name", None) != "AdditiveExpression" or not e.other or len(e.other) != 1 or list(e.op) != ["-"]:
        return None
    x, product = e.expr, e.other[0]
    if getattr(product, "name", None) != "MultiplicativeExpression" or not product.other or len(product.other) != 1:
        return None
    k = _s._int_constant(product.expr)
    floor = product.other[0]
    if list(product.op) != ["*"] or k is None or k <= 0 or getattr(floor, "name", None) != "Builtin_FLOOR":
        return None
    quotient = floor.arg
    if getattr(quotient, "name", None) != "MultiplicativeExpression" or not quotient.other or len(quotient.other) != 1:
        return None
    if list(quotient.op) != ["/"] or _s._int_constant(quotient.other[0]) != k or not _same(quotient.expr, x):
        return None
    return x, k


class _Found(Exception):
    """The row of the solutions below is made: no other can follow from them (_Writer._close_scope)."""


class _Memo(dict):
    """Whether a text matches one regular expression, remembered per text (at most 50,000 texts)."""

    __slots__ = ()

    def search(self, compiled, text: str) -> bool:
        if len(self) >= 50_000:
            self.clear()
        found = self[text] = compiled.search(text) is not None
        return found


_REGEX_MEMOS: dict = {}  # a regular expression's text (without flags) -> its _Memo, shared by every query
_INTEGERS: dict = {}  # text -> its xsd:integer value, for the digit casts


def _integer_of_text(text: str):
    """``xsd:integer`` of a few characters of a text, as the closure path casts them (``int()``);
    remembered (at most 50,000 texts)."""
    try:
        value = _s.N((int(text), _s.XSD_INTEGER))
    except ValueError:
        raise _s._Err("cannot interpret as int") from None
    if len(_INTEGERS) >= 50_000:
        _INTEGERS.clear()
    _INTEGERS[text] = value
    return value


def _is_integer_cast(e) -> bool:
    """``xsd:integer(x)``."""
    return (getattr(e, "name", None) == "Function" and str(e.iri) == _s.XSD_INTEGER and len(e.expr) == 1)


def _conjuncts(e) -> list:
    """The operands of ``a && b && ...``, nested ones too: a row passes the filter when each is true
    without error, whichever is checked first (an error or false in any one drops it, as it drops the
    whole conjunction); so each is checked on its own, as soon as its variables are bound."""
    if getattr(e, "name", None) == "ConditionalAndExpression" and e.other:
        return [c for part in [e.expr, *e.other] for c in _conjuncts(part)]
    return [e]


def _and_values(values) -> bool:
    """``&&`` over evaluated operands (an operand that erred is its _Err): errors and EBVs left to right."""
    for v in values:
        if isinstance(v, _s._Err):
            raise v
        if not (v is True or (v is not False and _s._ebv(v))):
            return False
    return True


def _now_term():
    """``NOW()`` as the closure path gives it (an rdflib Literal of the time, as a term), without building
    the Literal for the usual time-zoned time: its lexical form is ``isoformat()``, as rdflib writes it."""
    now = _s._now()
    if type(now) is _dt.datetime and now.tzinfo is not None:
        return L((now.isoformat(), _XSD_DATETIME, None))
    return _s._from_r(Literal(now))


_XSD_DATETIME = XSD + "dateTime"


def _unbound(name: str):
    raise _s._Err(f"unbound variable ?{name}")


def _fail():
    raise _s._Err("error in a constant expression")


def _row(fixed: dict, maybe) -> dict:
    """A row for a closure: the certainly bound variables and those of ``maybe`` that are bound."""
    fixed.update((name, value) for name, value in maybe if value is not None)
    return fixed


def generate_query(p, compiler) -> Rows | None:
    """One function ``query(data, focus) -> rows`` for the query (its algebra ``p``; ``compiler``: the
    query's closure compiler, for what stays closures); None when the generator does not write this
    query (the closure path then evaluates it)."""
    writer = _Writer(compiler)
    try:
        source = writer.query(p)
        if len(source) > _MAX_SOURCE:
            return None
        code = MEMO.code(source, "<samtbu sparql query>")
    except (Unsupported, SyntaxError, RecursionError, MemoryError):
        return None
    namespace = writer.namespace
    exec(code, namespace)  # noqa: S102 - our own generated code
    query = namespace["query"]
    query.source = source
    return query


__all__ = ["generate_query"]
