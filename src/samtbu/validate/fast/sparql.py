"""SPARQL-based constraints (``sh:sparql`` / ``sh:select``) for the fast engine.

Each query is parsed once (rdflib's parser and algebra) and compiled into Python closures that
evaluate it on the small per-record graph, with ``$this`` pre-bound to the focus node and ``$PATH``
replaced by the shape's path, as pyshacl does. The operators follow rdflib's SPARQL semantics (the
ones pyshacl gets), implemented directly for the common functions; other built-in functions are
delegated to rdflib's own implementation. A query that uses anything else (sub-queries, aggregates,
GRAPH, property paths other than a plain IRI, ``$shapesGraph``, ``$currentShape``) raises
``Unsupported``: the profile is then validated with pyshacl. A query SHACL itself rules out (MINUS,
VALUES, SERVICE, ``AS $this``, a sub-query without ``$this``: section 5.3.1) raises ``InvalidShapes``,
as pyshacl refuses it too.

Each query is also written as one generated Python function where :mod:`samtbu.validate.fast.sparqlgen`
can (every query of the model's shapes today); that function then evaluates it, with the same rows,
and the closures serve the rest and the expressions it leaves to them.
"""

from __future__ import annotations

import datetime as _dt
import math
import operator
import re
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from pyparsing import ParseResults
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import SH
from rdflib.plugins.sparql import operators as _ops
from rdflib.plugins.sparql.sparql import SPARQLError

from samtbu.modelcache import MEMO
from samtbu.validate.fast.engine import InvalidShapes, Unsupported
from samtbu.validate.fast.terms import RDF_LANGSTRING, XSD, XSD_STRING, B, L, from_rdflib, to_rdflib

XSD_BOOLEAN = XSD + "boolean"
XSD_INTEGER = XSD + "integer"
XSD_DECIMAL = XSD + "decimal"
XSD_DOUBLE = XSD + "double"
XSD_DATE = XSD + "date"
_NUMERIC = {XSD + n for n in ["float", "double", "decimal", "integer", "nonPositiveInteger", "negativeInteger", "nonNegativeInteger", "positiveInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte", "long", "int", "short", "byte"]}
_INTEGER_TYPES = _NUMERIC - {XSD + "float", XSD_DOUBLE, XSD_DECIMAL}
_EXACT = {(int, XSD_INTEGER), (Decimal, XSD_DECIMAL)}  # (Python type, datatype) of exact numbers
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PLAIN_DATES: dict = {}


def _plain_date(lex: str) -> bool:
    """Is this an xsd:date lexical form without a time zone (YYYY-MM-DD): remembered per form."""
    found = _PLAIN_DATES.get(lex)
    if found is None:
        if len(_PLAIN_DATES) > 100_000:
            _PLAIN_DATES.clear()
        found = _PLAIN_DATES[lex] = _DATE_RE.match(lex) is not None
    return found


_DATE_VALUES: dict = {}


def _plain_date_value(lex: str):
    """The date of a valid xsd:date lexical form without a time zone; None for any other (remembered:
    YEAR, MONTH and DAY of one date are asked for one after another)."""
    found = _DATE_VALUES.get(lex, _Err)
    if found is _Err:
        found = None
        if _DATE_RE.match(lex):
            try:
                found = _dt.date.fromisoformat(lex)
            except ValueError:
                found = None
        if len(_DATE_VALUES) > 100_000:
            _DATE_VALUES.clear()
        _DATE_VALUES[lex] = found
    return found


class _Err(Exception):
    """A SPARQL expression error."""


class N(tuple):
    """A numeric value computed in an expression: (Python number, datatype IRI)."""

    __slots__ = ()


# -- values ---------------------------------------------------------------------------------------


def _to_r(v):
    """Expression value -> rdflib term (for delegation to rdflib)."""
    if v is True or v is False:
        return Literal(v)
    if type(v) is N:
        return Literal(v[0], datatype=URIRef(v[1]))
    return to_rdflib(v)


def _from_r(r):
    if isinstance(r, SPARQLError):
        raise _Err(str(r))
    if isinstance(r, Literal):
        dt = str(r.datatype) if r.datatype is not None else None
        if dt == XSD_BOOLEAN and isinstance(r.value, bool):
            return r.value
        if dt in _NUMERIC and r.value is not None and not isinstance(r.value, Literal):
            return N((r.value, dt))
    return from_rdflib(r)


def _is_literal(v) -> bool:
    t = type(v)
    return t is L or t is N or t is bool


def _numeric(v):
    t = type(v)
    if t is N:
        return v[0]
    if t is L and v[1] in _NUMERIC:
        lit = to_rdflib(v)
        value = lit.value
        if value is None or isinstance(value, Literal):
            return lit  # rdflib hands the literal back: arithmetic on it fails like rdflib's
        return value
    raise _Err("not a numeric literal")


def _string(v) -> L:
    """rdflib's string(): a plain, xsd:string or language-tagged literal."""
    if type(v) is L and (v[1] is None or v[1] == XSD_STRING):
        return v
    raise _Err("not a string literal")


def _ebv(v) -> bool:
    t = type(v)
    if t is bool:
        return v
    if t is N:
        return bool(v[0])
    if t is L:
        lex, dt, lang = v
        if dt is None or dt == XSD_STRING:
            return len(lex) > 0
        try:
            return _ops.EBV(to_rdflib(v))
        except SPARQLError as exc:
            raise _Err(str(exc)) from None
    raise _Err("no effective boolean value")


def _datatype_of(v):
    t = type(v)
    if t is bool:
        return XSD_BOOLEAN
    if t is N:
        return v[1]
    if t is L:
        if v[2]:
            return RDF_LANGSTRING
        return v[1] or XSD_STRING
    raise _Err("datatype of a non-literal")


def _str(v) -> L:
    t = type(v)
    if t is L:
        return L((v[0], None, None))
    if t is bool:
        return L(("true" if v else "false", None, None))
    if t is N:
        return L((str(_to_r(v)), None, None))
    return L((str.__str__(v), None, None))


def _compare(op: str, a, b) -> bool:
    """rdflib's RelationalExpression for =, !=, <, >, <=, >=."""
    ta, tb = type(a), type(b)
    # fast paths: two computed integers; canonical xsd:date; plain strings (both literals)
    if ta is N and tb is N and type(a[0]) is int and type(b[0]) is int and a[1] in _INTEGER_TYPES and b[1] in _INTEGER_TYPES:
        return _OPERATORS[op](a[0], b[0])
    if ta is L and tb is L:
        if a[1] == XSD_DATE and b[1] == XSD_DATE and (_PLAIN_DATES.get(a[0]) or _plain_date(a[0])) and (
                _PLAIN_DATES.get(b[0]) or _plain_date(b[0])):
            return _OPERATORS[op](a[0], b[0])
        if a[1] is None and b[1] is None and not a[2] and not b[2]:
            return _OPERATORS[op](a[0], b[0])
    a_lit, b_lit = _is_literal(a), _is_literal(b)
    if not a_lit and not b_lit:
        if op == "=":
            return type(a) is type(b) and a == b
        if op == "!=":
            return not (type(a) is type(b) and a == b)
        raise _Err("compare other than =, != of non-literals")
    if a_lit != b_lit:
        if op == "=":
            return False
        if op == "!=":
            return True
        raise _Err("compare other than =, != of non-literals")
    # fast path: numbers
    if (ta is N or (ta is L and a[1] in _INTEGER_TYPES)) and (tb is N or (tb is L and b[1] in _INTEGER_TYPES)):
        try:
            x, y = _numeric(a), _numeric(b)
        except _Err:
            x = y = None
        if isinstance(x, (int, Decimal, float)) and isinstance(y, (int, Decimal, float)) and not isinstance(x, bool) and not isinstance(y, bool):
            if isinstance(x, float) != isinstance(y, float):
                x, y = float(x), float(y)
            return _OPERATORS[op](x, y)
    try:
        r = _ops.RelationalExpression(SimpleNamespace(expr=_to_r(a), other=_to_r(b), op=op), None)
    except SPARQLError as exc:
        raise _Err(str(exc)) from None
    except (TypeError, ValueError, InvalidOperation) as exc:
        raise _Err(str(exc)) from None
    return r.value


_OPERATORS = {"=": operator.eq, "!=": operator.ne, "<": operator.lt, ">": operator.gt, "<=": operator.le,
              ">=": operator.ge}


def _var_name(e) -> str | None:
    """The name of a variable expression (not $PATH); None for anything else."""
    return str(e) if isinstance(e, Variable) and str(e) != "PATH" else None


def _int_constant(e) -> int | None:
    """The value of an xsd:integer literal written in the query; None for anything else."""
    if isinstance(e, Literal) and e.datatype == URIRef(XSD_INTEGER) and type(e.value) is int:
        return e.value
    return None


def _fixed_substr_of_str(e) -> tuple[str, int, int] | None:
    """For ``SUBSTR(STR(?v), start, length)`` with integer constants (start >= 1, length >= 0): (v, the
    slice's start, end); None for any other expression."""
    if getattr(e, "name", None) != "Builtin_SUBSTR" or e.length is None:
        return None
    inner = e.arg
    if getattr(inner, "name", None) != "Builtin_STR":
        return None
    var = _var_name(inner.arg)
    start, length = _int_constant(e.start), _int_constant(e.length)
    if var is None or start is None or length is None or start < 1 or length < 0:
        return None
    return var, start - 1, start - 1 + length


def _datatype_arg(compiler, e):
    """For ``DATATYPE(arg)``, the compiled arg; None for any other expression."""
    if getattr(e, "name", None) == "Builtin_DATATYPE":
        return compiler.expr(e.arg)
    return None


def _term_eq(a, b) -> bool:
    """Python == on rdflib terms (what IN / NOT IN use)."""
    ta, tb = type(a), type(b)
    if ta in (L, str, B) and tb in (L, str, B):
        if ta is L and tb is L:
            return a[0] == b[0] and a[1] == b[1] and (a[2] or "").lower() == (b[2] or "").lower()
        return ta is tb and a == b
    return _to_r(a) == _to_r(b)


# -- expressions ----------------------------------------------------------------------------------


class _Compiler:
    def __init__(self, prefixes, path_iri: str | None = None):
        self.regex_cache: dict = {}
        self.path_iri = path_iri
        self._made: dict = {}  # id of an expression node -> (the node, its function): made once

    # Each compiled expression is a function row -> value, raising _Err on an error.
    def expr(self, e):
        made = self._made.get(id(e))
        if made is not None and made[0] is e:
            return made[1]
        fn = self._expr(e)
        self._made[id(e)] = (e, fn)
        return fn

    def _expr(self, e):
        if isinstance(e, Variable):
            name = str(e)
            if name == "PATH":
                raise Unsupported("$PATH in an expression")

            def var(row, _n=name):
                try:
                    return row[_n]
                except KeyError:
                    raise _Err(f"unbound variable ?{_n}") from None

            return var
        if isinstance(e, BNode):
            raise Unsupported("blank node in a SPARQL expression")
        if isinstance(e, (URIRef, Literal)):
            value = _from_r(e)
            return lambda row, _v=value: _v
        name = getattr(e, "name", None)
        if name is None:
            raise Unsupported(f"SPARQL expression {e!r}")
        method = getattr(self, "_" + name, None)
        if method is not None:
            return method(e)
        if name.startswith("Builtin_") and hasattr(_ops, name):
            return self._delegate(e, getattr(_ops, name))
        raise Unsupported(f"SPARQL {name}")

    def _delegate(self, e, fn):
        """A built-in we do not implement ourselves: evaluate the arguments, call rdflib's function."""
        if name_uses_ctx(e.name):
            raise Unsupported(f"SPARQL {e.name}")
        args = {k: self.expr(v) for k, v in e.items() if not k.startswith("_") and v is not None and not isinstance(v, list)}
        list_args = {k: [self.expr(x) for x in v] for k, v in e.items() if not k.startswith("_") and isinstance(v, list)}

        def delegated(row):
            ns = SimpleNamespace(**{k: _to_r(f(row)) for k, f in args.items()},
                                 **{k: [_to_r(f(row)) for f in fs] for k, fs in list_args.items()})
            for k in ("arg", "arg1", "arg2", "arg3", "text", "pattern", "flags", "start", "length"):
                if not hasattr(ns, k):
                    setattr(ns, k, None)
            try:
                return _from_r(fn(ns, None))
            except SPARQLError as exc:
                raise _Err(str(exc)) from None
            except (TypeError, ValueError, AttributeError, InvalidOperation, ArithmeticError) as exc:
                raise _Err(str(exc)) from None

        return delegated

    # logical
    def _ConditionalOrExpression(self, e):
        parts = [self.expr(e.expr)] + [self.expr(x) for x in (e.other or [])]
        if len(parts) == 1:
            return parts[0]

        def or_(row):
            error = None
            for p in parts:
                try:
                    if _ebv(p(row)):
                        return True
                except _Err as exc:
                    error = exc
            if error is not None:
                raise error
            return False

        return or_

    def _ConditionalAndExpression(self, e):
        parts = [self.expr(e.expr)] + [self.expr(x) for x in (e.other or [])]
        if len(parts) == 1:
            return parts[0]

        def and_(row):
            values = []
            for p in parts:  # rdflib evaluates every operand, then EBV left to right
                try:
                    values.append(p(row))
                except _Err as exc:
                    values.append(exc)
            for v in values:
                if isinstance(v, _Err):
                    raise v
                if not _ebv(v):
                    return False
            return True

        return and_

    def _UnaryNot(self, e):
        inner = self.expr(e.expr)
        return lambda row: not _ebv(inner(row))

    def _UnaryMinus(self, e):
        inner = self.expr(e.expr)

        def minus(row):
            v = inner(row)
            n = _numeric(v)
            return _from_r(Literal(-n)) if not isinstance(n, Literal) else _raise("not numeric")

        return minus

    def _UnaryPlus(self, e):
        inner = self.expr(e.expr)
        return lambda row: _from_r(Literal(+_numeric(inner(row))))

    def _RelationalExpression(self, e):
        left = self.expr(e.expr)
        op = e.op
        if e.other is None:
            return left
        if op in ("IN", "NOT IN"):
            others = [] if e.other == URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#nil") else e.other
            items = [self.expr(x) for x in others]
            negate = op == "NOT IN"

            def in_(row):
                x = left(row)
                error = None
                for item in items:
                    try:
                        if _term_eq(item(row), x):
                            return not negate
                    except _Err as exc:
                        error = exc
                if error is not None:
                    raise error
                return negate

            return in_
        right = self.expr(e.other)
        other = e.other
        if op in ("=", "!=") and isinstance(other, URIRef):
            # x = <iri> / x != <iri>: _compare with a non-literal right side is term equality
            iri = str(other)
            datatype_of = _datatype_arg(self, e.expr)
            dt_var = _var_name(e.expr.arg) if getattr(e.expr, "name", None) == "Builtin_DATATYPE" else None
            if dt_var is not None:  # DATATYPE(?x) = <iri>, the commonest test in the shapes: ?x read inline
                def datatype_is(row, _negate=op == "!="):
                    try:
                        v = row[dt_var]
                    except KeyError:
                        raise _Err(f"unbound variable ?{dt_var}") from None
                    if type(v) is L:
                        return ((RDF_LANGSTRING if v[2] else v[1] or XSD_STRING) == iri) is not _negate
                    return (_datatype_of(v) == iri) is not _negate

                datatype_is.inline = ("datatype", dt_var, iri, op == "!=")
                return datatype_is
            if datatype_of is not None:
                if op == "=":
                    return lambda row: _datatype_of(datatype_of(row)) == iri
                return lambda row: _datatype_of(datatype_of(row)) != iri
            if op == "=":
                return lambda row: type(v := left(row)) is str and v == iri
            return lambda row: not (type(v := left(row)) is str and v == iri)

        lname, rname = _var_name(e.expr), _var_name(other)
        if lname is not None and rname is not None:
            def rel_vars(row):  # ?a op ?b: the two variable lookups inline
                try:
                    a, b = row[lname], row[rname]
                except KeyError:
                    raise _Err("unbound variable") from None
                return _compare(op, a, b)

            if op in _OPERATORS:
                rel_vars.inline = ("compare", op, lname, rname)
            return rel_vars

        def rel(row):
            return _compare(op, left(row), right(row))

        return rel

    def _AdditiveExpression(self, e):
        first = self.expr(e.expr)
        if e.other is None:
            return first
        ops = list(e.op)
        rest = [self.expr(x) for x in e.other]

        def add(row):
            return _add_values(first(row), ops, [r(row) for r in rest])

        return add

    def _MultiplicativeExpression(self, e):
        first = self.expr(e.expr)
        if e.other is None:
            return first
        ops = list(e.op)
        rest = [self.expr(x) for x in e.other]

        def mul(row):
            return _mul_values(first(row), ops, [r(row) for r in rest])

        if len(rest) == 1 and ops[0] == "*":
            second = rest[0]
            factor = _int_constant(e.expr)
            if factor is not None:
                decimal_factor = Decimal(factor)

                def mul_constant(row):  # 3 * ?d (the check-digit weights): the factor made once
                    return _mul_constant(decimal_factor, second(row))

                return mul_constant

            def mul_two(row):  # x * y of two integers: Decimal(x) * y, as the general case does
                return _mul_two(first(row), second(row))

            return mul_two
        return mul

    # built-ins implemented here
    def _Builtin_STR(self, e):
        arg = self.expr(e.arg)
        return lambda row: _str(arg(row))

    def _Builtin_REGEX(self, e):
        text, pattern = self.expr(e.text), self.expr(e.pattern)
        flags = self.expr(e.flags) if e.flags is not None else None
        cache = self.regex_cache

        def regex(row):
            t = _string(text(row))[0]
            p = _string(pattern(row))[0]
            fl = 0
            if flags is not None:
                fv = flags(row)
                fs = _to_r(fv)
                if fs:
                    for ch in str(fs):
                        fl |= {"i": re.IGNORECASE, "s": re.DOTALL, "m": re.MULTILINE}.get(ch, 0)
            key = (p, fl)
            compiled = cache.get(key)
            if compiled is None:
                try:
                    compiled = cache[key] = re.compile(p, fl)
                except re.error as exc:
                    raise _Err(str(exc)) from None
            return compiled.search(t) is not None

        return regex

    def _Builtin_SUBSTR(self, e):
        arg, start = self.expr(e.arg), self.expr(e.start)
        length = self.expr(e.length) if e.length is not None else None
        fixed = _int_constant(e.start), _int_constant(e.length) if e.length is not None else None
        if fixed[0] is not None and fixed[1] is not None and fixed[0] >= 1 and fixed[1] >= 0:
            # SUBSTR(x, start, length) with integer constants (the check-digit rules): a slice
            first, end = fixed[0] - 1, fixed[0] - 1 + fixed[1]

            def substr_fixed(row):
                a = _string(arg(row))
                return L((a[0][first:end], a[1], a[2]))

            return substr_fixed

        def substr(row):
            a = _string(arg(row))
            s = _numeric(start(row))
            ln = _numeric(length(row)) if length is not None else None
            if type(s) is not int or (ln is not None and type(ln) is not int):
                return _from_r(_ops.Builtin_SUBSTR(SimpleNamespace(arg=_to_r(a), start=_to_r(start(row)), length=_to_r(length(row)) if length else None), None))
            s -= 1
            end = ln + s if ln is not None else None
            return L((a[0][s:end], a[1], a[2]))

        return substr

    def _Builtin_CONCAT(self, e):
        args = [self.expr(x) for x in e.arg]

        return lambda row: _concat_values([a(row) for a in args])

    def _compatible(self, a, b):
        _string(a)
        _string(b)
        if b[2] and a[2] != b[2]:
            raise _Err("incompatible arguments to str functions")

    def _Builtin_STRSTARTS(self, e):
        a1, a2 = self.expr(e.arg1), self.expr(e.arg2)

        def strstarts(row):
            a, b = a1(row), a2(row)
            self._compatible(a, b)
            return a[0].startswith(b[0])

        return strstarts

    def _Builtin_STRENDS(self, e):
        a1, a2 = self.expr(e.arg1), self.expr(e.arg2)

        def strends(row):
            a, b = a1(row), a2(row)
            self._compatible(a, b)
            return a[0].endswith(b[0])

        return strends

    def _Builtin_CONTAINS(self, e):
        a1, a2 = self.expr(e.arg1), self.expr(e.arg2)

        def contains(row):
            a, b = a1(row), a2(row)
            self._compatible(a, b)
            return b[0] in a[0]

        return contains

    def _Builtin_STRAFTER(self, e):
        a1, a2 = self.expr(e.arg1), self.expr(e.arg2)

        def strafter(row):
            a, b = a1(row), a2(row)
            self._compatible(a, b)
            i = a[0].find(b[0])
            if i == -1:
                return L(("", None, None))
            return L((a[0][i + len(b[0]):], a[1], a[2]))

        return strafter

    def _Builtin_STRBEFORE(self, e):
        a1, a2 = self.expr(e.arg1), self.expr(e.arg2)

        def strbefore(row):
            a, b = a1(row), a2(row)
            self._compatible(a, b)
            i = a[0].find(b[0])
            if i == -1:
                return L(("", None, None))
            return L((a[0][:i], a[1], a[2]))

        return strbefore

    def _Builtin_STRLEN(self, e):
        arg = self.expr(e.arg)
        return lambda row: N((len(_string(arg(row))[0]), XSD_INTEGER))

    def _Builtin_IF(self, e):
        c, t, f = self.expr(e.arg1), self.expr(e.arg2), self.expr(e.arg3)
        return lambda row: t(row) if _ebv(c(row)) else f(row)

    def _Builtin_BOUND(self, e):
        name = str(e.arg)
        return lambda row: name in row

    def _Builtin_isIRI(self, e):
        arg = self.expr(e.arg)
        return lambda row: type(arg(row)) is str

    _Builtin_isURI = _Builtin_isIRI

    def _Builtin_isBLANK(self, e):
        arg = self.expr(e.arg)
        return lambda row: type(arg(row)) is B

    def _Builtin_isLITERAL(self, e):
        arg = self.expr(e.arg)
        return lambda row: _is_literal(arg(row))

    def _Builtin_DATATYPE(self, e):
        arg = self.expr(e.arg)
        return lambda row: _datatype_of(arg(row))

    def _Builtin_FLOOR(self, e):
        arg = self.expr(e.arg)
        return lambda row: _floor_value(arg(row))

    def _date_part(self, e, part):
        arg = self.expr(e.arg)
        return lambda row: _date_part_value(arg(row), part)

    def _Builtin_YEAR(self, e):
        return self._date_part(e, "year")

    def _Builtin_MONTH(self, e):
        return self._date_part(e, "month")

    def _Builtin_DAY(self, e):
        return self._date_part(e, "day")

    def _Builtin_NOW(self, e):
        return lambda row: _from_r(Literal(_now()))

    def _Function(self, e):
        iri = str(e.iri)
        if not iri.startswith(XSD):
            raise Unsupported(f"SPARQL function <{iri}>")
        args = [self.expr(x) for x in e.expr]
        if len(args) != 1:
            raise Unsupported(f"cast with {len(args)} arguments")
        arg = args[0]
        digits = _fixed_substr_of_str(e.expr[0]) if iri == XSD_INTEGER else None
        if digits is not None:
            # xsd:integer(SUBSTR(STR(?v), start, length)), the check-digit rules' digits: the three
            # steps below (STR, the slice, the cast of a plain literal) on ?v's text at once
            var, first, end = digits

            def digit(row):
                try:
                    v = row[var]
                except KeyError:
                    raise _Err(f"unbound variable ?{var}") from None
                text = (v[0] if type(v) is L else _str(v)[0])[first:end]
                try:
                    return N((int(text), XSD_INTEGER))
                except ValueError:
                    raise _Err(f"cannot interpret {text!r} as int") from None

            return digit
        if iri == XSD_INTEGER:
            return lambda row: _to_integer(arg(row))
        return lambda row: _cast(iri, arg(row))

    def _Builtin_EXISTS(self, e):
        return self._exists(e, True)

    def _Builtin_NOTEXISTS(self, e):
        return self._exists(e, False)

    def _exists(self, e, want: bool):
        from rdflib.plugins.sparql.algebra import translateGroupGraphPattern

        graph = e.graph
        if getattr(graph, "name", None) in ("GroupGraphPatternSub", "GroupGraphPattern"):
            graph = translateGroupGraphPattern(graph)
        pattern = self.pattern(graph)

        def exists(row):
            return want if pattern(row) else not want

        return exists

    # -- graph patterns: function row -> list of rows (the row carries the data as "__data__") --
    def pattern(self, p):
        name = getattr(p, "name", None)
        method = getattr(self, "_p_" + str(name), None)
        if method is None:
            raise Unsupported(f"SPARQL algebra {name}")
        return method(p)

    def _p_BGP(self, p, checks=()):
        triples = [tuple(self._pattern_term(t) for t in triple) for triple in p.triples]
        return _bgp(triples, checks)

    def _pattern_term(self, t):
        if isinstance(t, Variable):
            if str(t) == "PATH":
                if self.path_iri is None:
                    raise Unsupported("$PATH without a path")
                return ("const", self.path_iri)
            return ("var", str(t))
        if isinstance(t, BNode):
            return ("var", "_:" + str(t))
        if isinstance(t, (URIRef, Literal)):
            return ("const", from_rdflib(t))
        raise Unsupported(f"property path or term {t!r} in a SPARQL triple pattern")

    def _p_Filter(self, p):
        # A row passes a filter iff every conjunct is true without error, so conjuncts that only use
        # variables of the basic graph pattern below (through BINDs of other variables) are checked
        # as soon as those variables are bound: same rows, far fewer of them built.
        conjuncts = [p.expr]
        if getattr(p.expr, "name", None) == "ConditionalAndExpression" and p.expr.other:
            conjuncts = [p.expr.expr] + list(p.expr.other)
        node, ext_vars = p.p, set()
        while getattr(node, "name", None) == "Extend":
            ext_vars.add(str(node.var))
            node = node.p
        pushed = []
        if getattr(node, "name", None) == "BGP":
            bgp_vars = {str(t) for triple in node.triples for t in triple if isinstance(t, Variable)} | {"this"}
            for c in conjuncts:
                used = _expr_vars(c)
                if used and used <= bgp_vars and not used & ext_vars:
                    pushed.append(c)
        elif not ext_vars and getattr(node, "name", None) == "Join" and getattr(node.p2, "name", None) == "BGP":
            # FILTER over { left . BGP }: conjuncts whose variables are all bound once the BGP has
            # matched (on every row of the left side) are checked inside the BGP, as above.
            bound = _certain_vars(node.p1) | _bgp_vars(node.p2) | {"this"}
            for c in conjuncts:
                used = _expr_vars(c)
                if used and used <= bound:
                    pushed.append(c)
        if pushed:
            checks = [(frozenset(_expr_vars(c)), self.expr(c)) for c in pushed]
            rest = [c for c in conjuncts if not any(c is x for x in pushed)]
            if getattr(node, "name", None) == "Join":
                inner = self._join(self.pattern(node.p1), self._p_BGP(node.p2, checks))
            else:
                inner = self._pattern_with_checks(p.p, checks)
        else:
            rest = conjuncts
            inner = self.pattern(p.p)
        if not rest:
            return inner
        conds = [self.expr(c) for c in rest]

        if len(conds) == 1:
            cond = conds[0]

            def filter_one(row):
                return [r for r in inner(row) if _passes(cond, r)]

            return filter_one

        def filter_(row):
            return [r for r in inner(row) if all(_passes(c, r) for c in conds)]

        return filter_

    def _pattern_with_checks(self, p, checks):
        binds, node = _extend_chain(p)
        inner = self._p_BGP(node, checks)
        return self._extend(binds, inner) if binds else inner

    def _p_Extend(self, p):
        binds, node = _extend_chain(p)
        return self._extend(binds, self.pattern(node))

    def _extend(self, binds, inner):
        """BIND after BIND (innermost first) on the rows of ``inner``, one row copy for the chain: a BIND
        whose expression errs leaves its variable unbound; a BIND to a bound variable keeps the row
        only when the value is the same (what one Extend after another gives, row by row)."""
        steps = [(str(b.var), self.expr(b.expr)) for b in binds]

        def extend(row):
            out = []
            for r in inner(row):
                r2 = dict(r)
                for var, expr in steps:
                    try:
                        value = expr(r2)
                    except _Err:
                        continue
                    if var in r2:
                        if r2[var] == value:
                            continue
                        break
                    r2[var] = value
                else:
                    out.append(r2)
            return out

        return extend

    def _p_Join(self, p):
        return self._join(self.pattern(p.p1), self.pattern(p.p2))

    def _join(self, left, right):
        many = getattr(right, "many", None)
        if many is not None:  # a basic graph pattern on the right: all left rows in one call
            return lambda row: many(left(row))

        def join(row):
            out = []
            for r in left(row):
                out.extend(right(r))
            return out

        return join

    def _p_Union(self, p):
        left, right = self.pattern(p.p1), self.pattern(p.p2)
        return lambda row: left(row) + right(row)

    def _p_LeftJoin(self, p):
        left, right = self.pattern(p.p1), self.pattern(p.p2)
        cond = self.expr(p.expr) if p.expr is not None and getattr(p.expr, "name", None) != "TrueFilter" else None

        def leftjoin(row):
            out = []
            for a in left(row):
                matches = [b for b in right(a) if cond is None or _passes(cond, b)]
                out.extend(matches if matches else [a])
            return out

        return leftjoin

    def _p_Project(self, p):
        inner = self.pattern(p.p)
        names = [str(v) for v in p.PV]

        def project(row):
            return [{n: r[n] for n in names if n in r} for r in inner(row)]

        return project

    def _p_Distinct(self, p):
        inner = self.pattern(p.p)

        def distinct(row):
            out, seen = [], set()
            for r in inner(row):
                key = tuple(sorted(((k, v) for k, v in r.items() if k != "__data__"), key=lambda kv: kv[0]))
                if key not in seen:
                    seen.add(key)
                    out.append(r)
            return out

        return distinct

    _p_Reduced = _p_Distinct


def name_uses_ctx(name: str) -> bool:
    return name in ("Builtin_EXISTS", "Builtin_NOTEXISTS", "Builtin_BNODE", "Builtin_RAND", "Builtin_UUID",
                    "Builtin_STRUUID", "Builtin_NOW", "Builtin_sameTerm", "Builtin_COALESCE")


def _raise(msg):
    raise _Err(msg)


def _delegate_arith(fn, a, ops, terms):
    try:
        return _from_r(fn(SimpleNamespace(expr=_to_r(a), op=ops, other=[_to_r(t) for t in terms]), None))
    except SPARQLError as exc:
        raise _Err(str(exc)) from None
    except (TypeError, ValueError, InvalidOperation, ArithmeticError, AttributeError) as exc:
        raise _Err(str(exc)) from None
    except RecursionError:
        # rdflib's Literal.__add__ recurses without end on an ill-typed numeric literal ("x"^^xsd:integer
        # + itself); in SPARQL that is a type error (found by test_fast_sparqlgen's random graphs)
        raise _Err("arithmetic on an ill-typed literal") from None


# -- value-level operators (the closures above and the generated queries of sparqlgen call them) ------


def _add_values(a, ops, terms):
    """rdflib's AdditiveExpression on computed values: ``a`` then each (op, term) of ``ops``/``terms``."""
    if type(a) is N and (type(a[0]), a[1]) in _EXACT and all(type(t) is N and (type(t[0]), t[1]) in _EXACT for t in terms):
        # xsd:integer and xsd:decimal values only (the check-digit sums): the loop below without
        # its per-term tests; int with Decimal gives Decimal, as the type promotion does
        res = a[0]
        for op, t in zip(ops, terms, strict=True):
            res = res + t[0] if op == "+" else res - t[0]
        return N((res, XSD_DECIMAL if type(res) is Decimal else XSD_INTEGER))
    if type(a) is L and a[1] is not None and a[1] not in _NUMERIC:
        return _delegate_arith(_ops.AdditiveExpression, a, ops, terms)
    res = _numeric(a)
    dt = _datatype_of(a)
    for op, t in zip(ops, terms, strict=True):
        n = _numeric(t)
        if type(res) is Literal or type(n) is Literal:
            return _delegate_arith(_ops.AdditiveExpression, a, ops, terms)
        if type(n) is Decimal and type(res) is float:
            n = float(n)
        if type(n) is float and type(res) is Decimal:
            res = float(res)
        dt = _promote(dt, _datatype_of(t))
        res = res + n if op == "+" else res - n
    # what Literal(res, datatype=dt) gives back for the common cases, without building it
    if (type(res) is int and dt == XSD_INTEGER) or (type(res) is Decimal and dt == XSD_DECIMAL):
        return N((res, dt))
    return _from_r(Literal(res, datatype=URIRef(dt)))


def _mul_values(a, ops, terms):
    """rdflib's MultiplicativeExpression on computed values."""
    try:
        n0 = _numeric(a)
        if type(n0) is Literal:
            raise _Err("not numeric")
        res = Decimal(n0)
        for op, t in zip(ops, terms, strict=True):
            f = _numeric(t)
            if type(f) is Literal:
                raise _Err("not numeric")
            if type(f) is float:
                res = float(res)
            if op == "*":
                res *= f
            else:
                res /= f
    except (InvalidOperation, ZeroDivisionError):
        raise _Err("divide by 0") from None
    except TypeError as exc:
        raise _Err(str(exc)) from None
    return N((res, XSD_DOUBLE if isinstance(res, float) else XSD_DECIMAL))


def _mul_constant(decimal_factor: Decimal, t):
    """``factor * t`` for an integer constant factor (given as its Decimal)."""
    if type(t) is N and type(t[0]) is int:
        return N((decimal_factor * t[0], XSD_DECIMAL))
    return _mul_values(N((int(decimal_factor), XSD_INTEGER)), ("*",), [t])


def _mul_two(a, t):
    """``a * t``: Decimal(a) * t for two integers, as the general case does."""
    if type(a) is N and type(t) is N and type(a[0]) is int and type(t[0]) is int:
        return N((Decimal(a[0]) * t[0], XSD_DECIMAL))
    return _mul_values(a, ("*",), [t])


def _concat_values(values):
    """CONCAT of evaluated arguments."""
    dts = {(v[1] if type(v) is L else _datatype_of(v)) for v in values if _is_literal(v)}
    langs = {(v[2] if type(v) is L else None) for v in values if _is_literal(v)}
    dt = dts.pop() if len(dts) == 1 else None
    lang = langs.pop() if len(langs) == 1 else None
    text = "".join(_string(v)[0] for v in values)
    if lang:
        return L((text, None, lang))
    return L((text, dt if dt == XSD_STRING else None, None)) if dt in (None, XSD_STRING) else _from_r(Literal(text, datatype=URIRef(dt)))


def _floor_value(v):
    n = _numeric(v)
    if isinstance(n, Literal):
        raise _Err("not numeric")
    try:
        return N((int(math.floor(n)), _datatype_of(v)))
    except (ValueError, OverflowError) as exc:
        raise _Err(str(exc)) from None


_DATE_PARTS: dict[str, Any] = {"year": _ops.Builtin_YEAR, "month": _ops.Builtin_MONTH, "day": _ops.Builtin_DAY}


def _date_part_value(v, part: str):
    """YEAR, MONTH or DAY of a value."""
    if type(v) is L and v[1] == XSD_DATE:
        d = _plain_date_value(v[0])
        if d is not None:
            return N((getattr(d, part), XSD_INTEGER))
    try:
        return _from_r(_DATE_PARTS[part](SimpleNamespace(arg=_to_r(v)), None))
    except (SPARQLError, TypeError, ValueError, AttributeError) as exc:
        raise _Err(str(exc)) from None


def _to_integer(x):
    """xsd:integer(x)."""
    if type(x) is L and (x[1] is None or x[1] == XSD_STRING) and not x[2]:
        try:
            return N((int(x[0]), XSD_INTEGER))
        except ValueError:
            raise _Err(f"cannot interpret {x[0]!r} as int") from None
    return _cast(XSD_INTEGER, x)


_PROMOTED: dict = {}


def _promote(a: str, b: str) -> str:
    """rdflib's type promotion of two numeric datatypes (a pure function: remembered)."""
    key = (a, b)
    found = _PROMOTED.get(key)
    if found is None:
        from rdflib.plugins.sparql.datatypes import type_promotion

        try:
            found = str(type_promotion(URIRef(a), URIRef(b)))
        except TypeError as exc:
            found = _Err(str(exc))
        _PROMOTED[key] = found
    if type(found) is _Err:
        raise _Err(str(found))
    return found


def _cast(iri: str, x):
    try:
        r = _ops.default_cast(SimpleNamespace(iri=URIRef(iri), expr=[_to_r(x)]), None)
    except SPARQLError as exc:
        raise _Err(str(exc)) from None
    if r is None:
        raise _Err("cannot cast")
    return _from_r(r)


_NOW_VALUE = None


def _now():
    # rdflib's QueryContext takes the time once per query; per record is as close as it gets.
    return _dt.datetime.now(_dt.UTC) if _NOW_VALUE is None else _NOW_VALUE


def _bgp(triples, checks=()):
    """A basic graph pattern: join order planned once per set of bound variables (most bound first);
    ``checks`` are filter conjuncts (variables, function) applied as soon as their variables are bound."""
    plans: dict = {}

    def evaluate(row):
        key = tuple(row)  # the bound variables (in insertion order: cheaper to hash than a frozenset)
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = _plan(triples, checks, frozenset(key))
        out: list = []
        plan(row["__data__"], dict(row), out)
        return out

    def evaluate_many(rows) -> list:
        """The solutions for each of ``rows`` in turn (the right side of a join): one call, and one
        plan look-up for a run of rows with the same bound variables."""
        out: list = []
        last_key: tuple | None = None
        plan: Any = None
        for row in rows:
            key = tuple(row)
            if key != last_key:
                plan = plans.get(key)
                if plan is None:
                    plan = plans[key] = _plan(triples, checks, frozenset(key))
                last_key = key
            plan(row["__data__"], dict(row), out)
        return out

    evaluate.many = evaluate_many
    return evaluate


def _check_lines(fn, indent: str, const, skip: str) -> list[str]:
    """Source lines that drop the row (``skip``: continue, or return before the first loop) unless the
    filter conjunct ``fn`` is true without error (what ``_passes`` decides). Two forms, the commonest
    in the shapes, are written out in full (see ``_Compiler._RelationalExpression``); any other is
    called."""
    form = getattr(fn, "inline", None)
    if form is not None and form[0] == "datatype":
        _kind, var, iri, negate = form
        test = "if _ok:" if negate else "if not _ok:"
        return [f"{indent}try:", f"{indent}    _x = row[{var!r}]",
                f"{indent}    _ok = ((RDF_LANGSTRING if _x[2] else _x[1] or XSD_STRING) if type(_x) is L else _datatype_of(_x)) == {const(iri)}",
                f"{indent}except (KeyError, _Err):", f"{indent}    {skip}", f"{indent}{test}", f"{indent}    {skip}"]
    if form is not None and form[0] == "compare":
        _kind, op, a, b = form
        return [f"{indent}try:", f"{indent}    _x = row[{a!r}]", f"{indent}    _y = row[{b!r}]",
                # two canonical xsd:date literals compare as text (the fast path of _compare)
                f"{indent}    if type(_x) is L and type(_y) is L and _x[1] == XSD_DATE and _y[1] == XSD_DATE and "
                f"PLAIN_DATES.get(_x[0]) and PLAIN_DATES.get(_y[0]):",
                f"{indent}        _ok = _x[0] {op if op != '=' else '=='} _y[0]",
                *([f"{indent}    elif type(_x) is str and type(_y) is str:",  # two IRIs: term (in)equality
                   f"{indent}        _ok = _x {op if op != '=' else '=='} _y"] if op in ("=", "!=") else []),
                f"{indent}    else:", f"{indent}        _ok = _compare({op!r}, _x, _y)",
                f"{indent}except (KeyError, _Err):", f"{indent}    {skip}",
                f"{indent}if not _ok:", f"{indent}    {skip}"]
    return [f"{indent}try:", f"{indent}    _v = {const(fn)}(row)",
            f"{indent}    if _v is not True and (_v is False or not _ebv(_v)):", f"{indent}        {skip}",
            f"{indent}except _Err:", f"{indent}    {skip}"]


def _generate_run(steps, pre=()):
    """The nested loops of a plan as one generated function ``(data, row, out)``: one loop per triple
    pattern, the step specs decided once instead of on every triple. The common steps (subject and
    predicate known; or predicate and object known) read the index directly; the others call
    ``_triples``. A variable repeated in one pattern must match its first binding."""
    consts: dict = {"_triples": _triples, "_ebv": _ebv, "_Err": _Err, "L": L, "E": (), "_compare": _compare,
                    "_datatype_of": _datatype_of, "RDF_LANGSTRING": RDF_LANGSTRING, "XSD_STRING": XSD_STRING,
                    "XSD_DATE": XSD_DATE, "PLAIN_DATES": _PLAIN_DATES}
    lines = ["def run(data, row, out):", "    spo = data.spo", "    pos = data.pos"]

    def const(value) -> str:
        name = f"K{len(consts)}"
        consts[name] = value
        return name

    for fn in pre:  # the conjuncts whose variables are bound before the first pattern
        lines += _check_lines(fn, "    ", const, "return")

    def term(kind, v) -> str:
        return const(v) if kind == 0 else f"row[{v!r}]" if kind == 1 else "None"

    indent = "    "
    for i, (spec, new, step_checks) in enumerate(steps):
        (sk, sv), (pk, pv), (ok_, ov) = spec
        s_, p_, o_ = f"s{i}", f"p{i}", f"o{i}"
        lines += [f"{indent}{s_} = {term(sk, sv)}", f"{indent}{p_} = {term(pk, pv)}", f"{indent}{o_} = {term(ok_, ov)}"]
        body = indent + "    "
        if sk in (0, 1) and pk in (0, 1) and ok_ in (0, 1, 2):
            # subject and predicate known: the subject's objects for the predicate
            lines += [f"{indent}_b = spo.get({s_}) if type({s_}) is not L else None",
                      f"{indent}for x in (_b.get({p_}, E) if _b is not None else E):"]
            if ok_ == 2:
                lines.append(f"{body}row[{ov!r}] = x")
            else:
                lines += [f"{body}if not (x == {o_} and type(x) is type({o_})):", f"{body}    continue"]
        elif sk == 2 and pk in (0, 1) and ok_ in (0, 1):
            # predicate and object known: the subjects
            lines += [f"{indent}_o = pos.get({p_})",
                      f"{indent}for x in (_o.get({o_}, E) if _o is not None else E):",
                      f"{body}row[{sv!r}] = x"]
        else:
            lines.append(f"{indent}for ts, tp, to in _triples(data, {s_}, {p_}, {o_}):")
            for k, v, t, typed in ((sk, sv, "ts", False), (pk, pv, "tp", True), (ok_, ov, "to", True)):
                if k == 3:
                    mismatch = f"row.get({v!r}) != {t}" + (f" or type(row.get({v!r})) is not type({t})" if typed else "")
                    lines += [f"{body}if {mismatch}:", f"{body}    continue"]
                if k >= 2:
                    lines.append(f"{body}row[{v!r}] = {t}")
        for fn in step_checks:
            # _passes inline: true without error, or else the row is dropped
            lines += _check_lines(fn, body, const, "continue")
        steps_left = indent
        indent = body
        new_vars = new
        # after this step's loop (at its own level): unbind what it bound
        lines.append(("POP", steps_left, new_vars))
    lines.append(f"{indent}out.append(dict(row))")
    # place the unbinding after each loop: the markers are moved to the end, innermost first
    pops = [x for x in lines if isinstance(x, tuple)]
    code = [x for x in lines if not isinstance(x, tuple)]
    for _marker, level, names in reversed(pops):
        code += [f"{level}row.pop({v!r}, None)" for v in names] or []
    namespace = dict(consts)
    exec(MEMO.code("\n".join(code) + "\n", "<samtbu sparql plan>"), namespace)  # noqa: S102 - our own code
    return namespace["run"]


def next_pattern(remaining: list, bound: set) -> tuple[list, list]:
    """Take the next triple pattern of a join off ``remaining``: the one with most terms constant or
    bound already. Returns its spec, per term (0, constant) / (1, bound variable) / (2, new variable) /
    (3, variable repeated in this pattern: must equal), and the variables it binds anew."""
    best = max(remaining, key=lambda t: sum(1 for kind, v in t if kind == "const" or v in bound))
    remaining.remove(best)
    spec: list = []
    new: list = []
    for kind, v in best:
        if kind == "const":
            spec.append((0, v))
        elif v in bound:
            spec.append((1, v))
        elif v in new:
            spec.append((3, v))
        else:
            spec.append((2, v))
            new.append(v)
    return spec, new


def _plan(triples, checks, bound):
    bound = set(bound)
    pre = [fn for names, fn in checks if names <= bound]
    done = {id(fn) for fn in pre}
    remaining = list(triples)
    steps = []
    while remaining:
        spec, new = next_pattern(remaining, bound)
        bound.update(new)
        step_checks = [fn for names, fn in checks if id(fn) not in done and names <= bound]
        done.update(id(fn) for fn in step_checks)
        steps.append((tuple(spec), tuple(new), step_checks))
    return _generate_run(steps, pre)


def _passes(fn, row) -> bool:
    try:
        return _ebv(fn(row))
    except _Err:
        return False


def _extend_chain(p) -> tuple[list, object]:
    """The BINDs of a chain of Extend nodes, innermost first, and the pattern under them."""
    binds = []
    while getattr(p, "name", None) == "Extend":
        binds.append(p)
        p = p.p
    binds.reverse()
    return binds, p


def _bgp_vars(p) -> set:
    return {str(t) for triple in p.triples for t in triple if isinstance(t, Variable)}


def _certain_vars(p) -> set:
    """Variables bound in every row a pattern gives (what a filter may rely on); conservative."""
    name = getattr(p, "name", None)
    if name == "BGP":
        return _bgp_vars(p)
    if name == "Join":
        return _certain_vars(p.p1) | _certain_vars(p.p2)
    if name == "Union":
        return _certain_vars(p.p1) & _certain_vars(p.p2)
    if name in ("Filter", "LeftJoin", "Extend"):  # a BIND may leave its variable unbound (an error)
        return _certain_vars(p.p if name != "LeftJoin" else p.p1)
    return set()


def _expr_vars(e):
    """Variables used by an expression; None when it holds EXISTS (not safe to move)."""
    found: set = set()

    def walk(x):
        if isinstance(x, Variable):
            found.add(str(x))
            return True
        if isinstance(x, list):
            return all(walk(i) for i in x)
        name = getattr(x, "name", None)
        if name is None or not hasattr(x, "items"):
            return True
        if name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            return False
        return all(walk(v) for k, v in x.items() if not str(k).startswith("_"))

    return found if walk(e) else None


def _triples(data, s, p, o):
    if s is not None and type(s) is L:
        return ()
    if p is not None:
        if s is not None:
            objs = data.objects(s, p)
            if o is None:
                return [(s, p, x) for x in objs]
            return [(s, p, x) for x in objs if x == o and type(x) is type(o)]
        if o is not None:
            return [(x, p, o) for x in data.subjects(p, o)]
        return [(x, p, y) for x, y in data.subject_objects(p)]
    if s is not None:
        return [(s, x, y) for x, y in data.predicate_objects(s) if o is None or (y == o and type(y) is type(o))]
    triples = data.all_triples() if hasattr(data, "all_triples") else data.triples
    return [t for t in triples if o is None or (t[2] == o and type(t[2]) is type(o))]


# -- the constraint -------------------------------------------------------------------------------

_QUERY_CACHE: dict = {}
# Each query as one generated function (samtbu.validate.fast.sparqlgen) where the generator writes it;
# False: the closures alone (the tests compare the two)
GENERATED_QUERIES = True
_PARSED: dict = {}  # query text -> rdflib algebra (parsing is the slow part: once per text)


def forget_compiled_queries() -> None:
    """Empty the compiled queries (not the parsed ones): a compiled-model cache entry being built
    meets every query and plan of a profile again (samtbu.modelcache)."""
    _QUERY_CACHE.clear()
    _PARSED_NEEDS.clear()


def _algebra(text: str, g: Graph, constraint):
    """rdflib's algebra of a query: parsed once per process, and once per model with the
    compiled-model cache (samtbu.modelcache), refused when SHACL rules it out."""
    algebra = _PARSED.get(text)
    if algebra is None:
        algebra = MEMO.algebra(text)
    if algebra is None:
        from rdflib.plugins.sparql.algebra import translateQuery
        from rdflib.plugins.sparql.parser import parseQuery

        try:
            tree = parseQuery(text)
        except Exception as exc:  # noqa: BLE001
            raise Unsupported(f"SPARQL query does not parse: {exc}") from None
        check_pre_binding(tree, ", ".join(sorted(str(s) for s in g.subjects(SH.sparql, constraint))) or str(constraint))
        try:
            algebra = translateQuery(tree).algebra
        except Exception as exc:  # noqa: BLE001
            raise Unsupported(f"SPARQL query does not parse: {exc}") from None
    _PARSED[text] = algebra
    MEMO.record_algebra(text, algebra)
    return algebra


def _prefixes(g: Graph, constraint) -> dict[str, str]:
    out: dict[str, str] = {}
    for holder in g.objects(constraint, SH.prefixes):
        for decl in g.objects(holder, SH.declare):
            prefix, ns = g.value(decl, SH.prefix), g.value(decl, SH.namespace)
            if prefix is not None and ns is not None:
                out[str(prefix)] = str(ns)
    return out


# Variables a SHACL processor may pre-bind in the query of a SPARQL-based constraint (SHACL 1.0
# section 5.3.1; $value only in the validators of constraint components, which this engine leaves to pyshacl).
PRE_BOUND = ("this", "shapesGraph", "currentShape")


def check_pre_binding(tree, shape_name: str, pre_bound=PRE_BOUND) -> None:
    """Refuse what SHACL 1.0 section 5.3.1 rules out in a query with pre-bound variables (a processor
    "must report a failure"): MINUS, SERVICE, VALUES, ``AS ?var`` for a potentially pre-bound variable,
    and a sub-query that does not project ``$this`` (``SELECT *`` included, as pyshacl and the W3C
    test pre-binding-006 read it). ``tree``: rdflib's parse tree of the query."""
    def refuse(what: str):
        raise InvalidShapes(f"the SPARQL constraint of shape {shape_name} {what}: SHACL does not allow it in a "
                            "query with pre-bound variables (SHACL 1.0, section 5.3.1)")

    def walk(node):
        name = getattr(node, "name", None)
        if name == "MinusGraphPattern":
            refuse("uses MINUS")
        if name == "ServiceGraphPattern":
            refuse("uses a federated query (SERVICE)")
        if name in ("InlineData", "ValuesClause"):
            refuse("uses VALUES")
        if name in ("Bind", "GroupAs") or (name == "vars" and "evar" in node):
            var = node.get("var") if name != "vars" else node.get("evar")
            if var is not None and str(var) in pre_bound:
                refuse(f"binds the pre-bound variable ${var} with AS")
        if name == "SubSelect":
            projection = node.get("projection")
            if not projection or isinstance(projection, str):
                refuse("has a sub-query with SELECT *, which does not project the pre-bound variables")
            if "this" not in {str(v.get("var")) for v in projection if v.get("var") is not None}:
                refuse("has a sub-query that does not project $this")
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, (list, tuple, ParseResults)):
            children = node
        else:
            return
        for child in children:
            walk(child)

    walk(tree)


def compile_sparql_constraint(g: Graph, constraint, select: str, path_sparql: str | None):
    """A function (ctx, focus) -> list of (this, path, value, other bindings) rows, as pyshacl keeps them."""
    path_iri = _path_iri(select, path_sparql)
    prefixes = _prefixes(g, constraint)
    text = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(prefixes.items())) + select
    key = (text, path_iri)
    found = _QUERY_CACHE.get(key)
    if found is None:
        algebra = _algebra(text, g, constraint)
        if algebra.name != "SelectQuery" or algebra.datasetClause:
            raise Unsupported("only SELECT queries without FROM")
        if any(str(v) == "PATH" for v in algebra.PV):
            raise Unsupported("$PATH projected")
        compiler = _Compiler(prefixes, path_iri)
        pattern = compiler.pattern(algebra.p)  # (what it refuses, the profile's engine refuses)
        query = None
        if GENERATED_QUERIES:
            from samtbu.validate.fast.sparqlgen import generate_query

            query = generate_query(algebra.p, compiler)
        found = _QUERY_CACHE[key] = (pattern, _locality(algebra.p, text, path_iri), query)
    pattern, locality, query = found
    cache: dict = {}
    predicates: tuple
    predicates, uses_this = locality if locality is not None else ((), False)
    single = predicates[0] if len(predicates) == 1 else None  # one predicate: its values are the key
    needs = _PARSED_NEEDS.get(key)
    if needs is None:
        needs = _PARSED_NEEDS[key] = _needs(_PARSED[text].p, path_iri)

    pair = predicates if len(predicates) == 2 else None

    def evaluate(ctx, focus):
        if locality is None:
            if needs and not _has_any(ctx.data.pos, needs):
                return []  # a triple every solution needs is not in the data graph at all
            return _evaluate(ctx, focus)
        # A local query reads only values of the focus node: its rows depend on those values alone
        # (and on the focus node itself when an expression uses $this).
        by_p = ctx.data.spo.get(focus) or _NO_VALUES
        if single is not None:
            key = tuple(by_p.get(single, ()))
        elif pair is not None:
            key = (tuple(by_p.get(pair[0], ())), tuple(by_p.get(pair[1], ())))
        else:
            key = tuple([tuple(by_p.get(p, ())) for p in predicates])
        if uses_this:
            key = (focus, key)
        rows = cache.get(key)
        if rows is None:
            if needs and not _has_any(ctx.data.pos, needs):
                return []  # (not remembered: the key holds the focus node's values only)
            rows = [(_FOCUS if this == focus and type(this) is type(focus) else this, path, value, bindings)
                    for this, path, value, bindings in _evaluate(ctx, focus)]
            if len(cache) > 20_000:
                cache.clear()
            cache[key] = rows
        if not rows:
            return rows
        return [(focus if this is _FOCUS else this, path, value, bindings) for this, path, value, bindings in rows]

    def _evaluate(ctx, focus):
        if query is not None:
            return query(ctx.data, focus)
        return _closure_rows(pattern, ctx, focus)

    if query is not None and locality is None:
        evaluate = _whole_query(query, needs)
    elif pair is not None and not uses_this:
        evaluate = _by_two_predicates(cache, pair, evaluate)
    evaluate.locality = locality
    # for generated code: a local query on one or two predicates, not using $this, is looked up by the
    # values (the key ``evaluate`` remembers its rows by: the values' tuple, or a pair of them)
    evaluate.cache_by_values = (cache, single if single is not None else pair) if (single or pair) and not uses_this else None
    return evaluate


def _path_iri(select: str, path_sparql: str | None) -> str | None:
    """The IRI $PATH stands for in a constraint's query (None without $PATH); what the engine cannot
    compile raises Unsupported."""
    if re.search(r"[$?](shapesGraph|currentShape)\b", select):
        raise Unsupported("$shapesGraph / $currentShape in a SPARQL constraint")
    if not re.search(r"[$?]PATH\b", select):
        return None
    if path_sparql is None:
        raise Unsupported("$PATH in a SPARQL constraint of a node shape")
    if not re.fullmatch(r"<[^<>]*>", path_sparql):
        raise Unsupported("$PATH with a complex path")
    # pyshacl puts the path's text in place of $PATH; with a one-IRI path that is the same as
    # binding the variable PATH to the IRI in every triple pattern (anywhere else: Unsupported)
    return path_sparql[1:-1]


def _closure_rows(pattern, ctx, focus) -> list:
    """The rows of a query on the closure path (no generated function), as pyshacl keeps them."""
    rows = []
    seen: list = []
    for r in pattern({"this": focus, "__data__": ctx.data}):
        r.pop("__data__", None)
        failure = r.pop("failure", None)
        if failure is not None:
            if ("failure",) not in seen:
                seen.append(("failure",))
                rows.append((None, None, None, r))
            continue
        path = r.pop("path", None)
        value = r.pop("value", None)
        this = r.pop("this", None)
        if path is None and value is None and this is None:
            continue
        value = _as_term(value)
        entry = (this, path, value, r)
        if entry in seen:
            continue
        seen.append(entry)
        rows.append(entry)
    return rows


def _whole_query(query, needs):
    """The evaluation of a generated query that reads more than the focus node's values: straight to
    it, after the check that the data graph holds the triples every solution needs."""
    if not needs:
        def evaluate(ctx, focus):
            return query(ctx.data, focus)
    elif len(needs) == 1 and all(o is None for _p, o in needs[0]):
        predicates = tuple(p for p, _o in needs[0])

        def evaluate(ctx, focus):
            data = ctx.data
            pos = data.pos
            for p in predicates:
                if not pos.get(p):
                    return []  # a triple every solution needs is not in the data graph at all
            return query(data, focus)
    else:
        def evaluate(ctx, focus):
            data = ctx.data
            if not _has_any(data.pos, needs):
                return []
            return query(data, focus)
    return evaluate


def _by_two_predicates(cache: dict, pair, general):
    """A local query on two predicates: its rows looked up by the focus node's values (the key the
    general evaluation remembers them by); ``general`` when they are not remembered yet."""
    first, second = pair
    remembered = cache.get
    no_values = ((), ())

    def evaluate(ctx, focus):
        by_p = ctx.data.spo.get(focus)
        if by_p is None:
            rows = remembered(no_values)
        else:
            a, b = by_p.get(first), by_p.get(second)
            rows = remembered((tuple(a) if a else (), tuple(b) if b else ()))
        if rows is None:
            return general(ctx, focus)
        if not rows:
            return rows
        return [(focus if this is _FOCUS else this, path, value, bindings) for this, path, value, bindings in rows]

    return evaluate


_PARSED_NEEDS: dict = {}


def _needs(p, path_iri: str | None):
    """What the data graph must contain for the query to have any solution, as alternatives: a tuple of
    requirement sets, one of which must hold, each a tuple of (predicate, object or None) that must all
    be present. From the triple patterns with a constant predicate that every solution matches: a
    join needs both sides, an OPTIONAL its left side, a UNION one of its branches. () when unknown."""

    def of(x):
        name = getattr(x, "name", None)
        if name == "BGP":
            atoms = []
            for _s, p_, o_ in x.triples:
                if isinstance(p_, Variable) and str(p_) == "PATH":
                    p_ = URIRef(path_iri) if path_iri else None
                if isinstance(p_, URIRef):
                    atoms.append((str(p_), str(o_) if isinstance(o_, URIRef) else None))
            return (tuple(atoms),)
        if name == "Join":
            joined = tuple(a + b for a in of(x.p1) for b in of(x.p2))
            return joined if 0 < len(joined) <= 16 else ((),)  # too many alternatives: no requirement
        if name == "LeftJoin":
            return of(x.p1)
        if name == "Union":
            left, right = of(x.p1), of(x.p2)
            if () in left or () in right or len(left) + len(right) > 16:
                return ((),)
            return left + right
        if name in ("Filter", "Extend", "Project", "Distinct", "Reduced", "Slice", "OrderBy", "ToMultiSet", "SelectQuery"):
            return of(x.p)
        return ((),)

    alternatives = of(p)
    if any(not alt for alt in alternatives):
        return ()
    return alternatives


def _has_any(pos: dict, alternatives) -> bool:
    for alt in alternatives:
        for p, o in alt:
            by_o = pos.get(p)
            if not by_o or (o is not None and o not in by_o):
                break
        else:
            return True
    return False


_FOCUS = B("samtbu-focus-placeholder")
_NO_VALUES: dict = {}
_NONDETERMINISTIC = re.compile(r"\b(NOW|RAND|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


def _locality(p, text: str, path_iri: str | None = None):
    """(predicates read from the focus node, whether expressions use $this) when every triple pattern of
    the query is ``$this <constant predicate> ?variable-or-constant`` and nothing else touches the graph;
    None otherwise."""
    if _NONDETERMINISTIC.search(text):
        return None
    predicates: list = []
    ok = True
    uses_this = False

    def walk(x, in_expr=False):
        nonlocal ok, uses_this
        if not ok:
            return
        if isinstance(x, Variable):
            if str(x) == "this" and in_expr:
                uses_this = True
            return
        if isinstance(x, list):
            for i in x:
                walk(i, in_expr)
            return
        name = getattr(x, "name", None)
        if name is None or not hasattr(x, "items"):
            return
        if name == "BGP":
            for s_, p_, o_ in x.triples:
                if isinstance(p_, Variable) and str(p_) == "PATH" and path_iri is not None:
                    p_ = URIRef(path_iri)
                if not (isinstance(s_, Variable) and str(s_) == "this" and isinstance(p_, URIRef)):
                    ok = False
                    return
                if isinstance(o_, Variable) and str(o_) == "PATH":
                    ok = False
                    return
                if isinstance(o_, Variable) and str(o_) == "this":
                    ok = False
                    return
                if str(p_) not in predicates:
                    predicates.append(str(p_))
            return
        if name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            graph = x.graph
            if getattr(graph, "name", None) in ("GroupGraphPatternSub", "GroupGraphPattern"):
                from rdflib.plugins.sparql.algebra import translateGroupGraphPattern

                graph = translateGroupGraphPattern(graph)
            walk(graph, False)
            return
        if name == "Project":
            walk(x.p, False)
            return
        expr_node = name.startswith(("Builtin_", "Conditional", "Relational", "Additive", "Multiplicative", "Unary", "Function"))
        for k, v in x.items():
            if str(k).startswith("_") or k == "PV":
                continue
            walk(v, in_expr or expr_node or k in ("expr",))

    walk(p)
    return (tuple(predicates), uses_this) if ok and predicates else None


def _as_term(v):
    if v is None or type(v) in (str, B, L):
        return v
    return from_rdflib(_to_r(v))


__all__ = ["compile_sparql_constraint"]
