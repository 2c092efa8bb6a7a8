"""A careful parser of exactly the Databricks SQL forms the sync (and the dbt-databricks baseline)
emits. Anything else fails like Databricks does: `[PARSE_SYNTAX_ERROR] ... SQLSTATE: 42601`.

Literals follow Spark rules: backslash escapes, and adjacent literals concatenate ('a' 'b' = 'ab'),
so a client that escapes quotes by doubling them gets a corrupted value, as on a real warehouse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "0": "\0", "Z": "\x1a"}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SqlError(Exception):
    def __init__(self, error_class: str, message: str, sqlstate: str) -> None:
        super().__init__(f"[{error_class}] {message} SQLSTATE: {sqlstate}")
        self.error_class = error_class


def syntax_error(near: str) -> SqlError:
    return SqlError("PARSE_SYNTAX_ERROR", f"Syntax error at or near '{near}'.", "42601")


@dataclass(frozen=True)
class Tok:
    kind: str  # word | ident | string | number | sym
    value: str


def tokenize(text: str) -> list[Tok]:
    tokens: list[Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise syntax_error("/*")
            i = end + 2
        elif ch == "`":
            j, out = i + 1, []
            while True:
                if j >= n:
                    raise syntax_error(text[i : i + 20])
                if text[j] == "`":
                    if j + 1 < n and text[j + 1] == "`":
                        out.append("`")
                        j += 2
                        continue
                    break
                out.append(text[j])
                j += 1
            tokens.append(Tok("ident", "".join(out)))
            i = j + 1
        elif ch in "'\"":
            j, out = i + 1, []
            while True:
                if j >= n:
                    raise syntax_error(text[i : i + 20])
                c = text[j]
                if c == "\\" and j + 1 < n:
                    nxt = text[j + 1]
                    if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[j + 2 : j + 6]):
                        out.append(chr(int(text[j + 2 : j + 6], 16)))
                        j += 6
                        continue
                    out.append(_ESCAPES.get(nxt, nxt))
                    j += 2
                    continue
                if c == ch:
                    break
                out.append(c)
                j += 1
            value = "".join(out)
            if tokens and tokens[-1].kind == "string":  # adjacent literals concatenate
                tokens[-1] = Tok("string", tokens[-1].value + value)
            else:
                tokens.append(Tok("string", value))
            i = j + 1
        elif ch.isdigit():
            m = re.compile(r"[0-9]+").match(text, i)
            assert m is not None
            tokens.append(Tok("number", m.group(0)))
            i = m.end()
        elif ch in "(),.;=":
            tokens.append(Tok("sym", ch))
            i += 1
        else:
            m = _WORD.match(text, i)
            if not m:
                raise syntax_error(text[i : i + 20])
            tokens.append(Tok("word", m.group(0)))
            i = m.end()
    return tokens


@dataclass
class Stmt:
    kind: str  # comment_table | comment_column | column_comments | set_tags | unset_tags | grant | revoke
    #            show_grants | describe | select
    table: tuple[str, ...] = ()
    column: str | None = None
    comments: dict[str, str | None] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    privileges: list[str] = field(default_factory=list)
    securable: str = "table"
    principal: str = ""
    text: str = ""
    function: tuple[str, ...] = ()  # set_mask / create_function: the function's name
    param_type: str = ""  # create_function: the parameter's and the result's type
    returns: str = ""
    body: str = ""  # create_function: the expression after RETURN, as written
    replace: bool = False
    if_not_exists: bool = False


class _Parser:
    def __init__(self, tokens: list[Tok]) -> None:
        self.t = tokens
        self.i = 0

    def peek(self, offset: int = 0) -> Tok | None:
        j = self.i + offset
        return self.t[j] if j < len(self.t) else None

    def near(self) -> str:
        tok = self.peek()
        return tok.value if tok else "end of input"

    def kw(self, *words: str) -> bool:
        tok = self.peek()
        if tok and tok.kind == "word" and tok.value.upper() in words:
            self.i += 1
            return True
        return False

    def expect_kw(self, *words: str) -> str:
        tok = self.peek()
        if not (tok and tok.kind == "word" and tok.value.upper() in words):
            raise syntax_error(self.near())
        self.i += 1
        return tok.value.upper()

    def sym(self, s: str) -> bool:
        tok = self.peek()
        if tok and tok.kind == "sym" and tok.value == s:
            self.i += 1
            return True
        return False

    def expect_sym(self, s: str) -> None:
        if not self.sym(s):
            raise syntax_error(self.near())

    def ident(self) -> str:
        tok = self.peek()
        if not tok or tok.kind not in ("ident", "word"):
            raise syntax_error(self.near())
        self.i += 1
        return tok.value

    def name(self) -> tuple[str, ...]:
        parts = [self.ident()]
        while self.sym("."):
            parts.append(self.ident())
        return tuple(parts)

    def string(self) -> str:
        tok = self.peek()
        if not tok or tok.kind != "string":
            raise syntax_error(self.near())
        self.i += 1
        return tok.value

    def string_or_null(self) -> str | None:
        return None if self.kw("NULL") else self.string()

    def done(self) -> None:
        if self.peek() is not None:
            raise syntax_error(self.near())


def _tag_list(p: _Parser, with_values: bool) -> tuple[dict[str, str], list[str]]:
    p.expect_sym("(")
    tags: dict[str, str] = {}
    keys: list[str] = []
    while True:
        key = p.string()
        if with_values:
            # ALTER TABLE ... SET TAGS ( tag_name = tag_value [, ...] ): the value is not optional there
            # (a key-only tag is sent as 'key' = ''), unlike the SET TAG ON statement.
            # https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-alter-table
            p.expect_sym("=")
            tags[key] = p.string()
        else:
            keys.append(key)
        if p.sym(")"):
            return tags, keys
        p.expect_sym(",")


def _alter(p: _Parser, text: str) -> Stmt:
    p.expect_kw("TABLE")
    table = p.name()
    if p.kw("SET"):
        p.expect_kw("TAGS")
        tags, _ = _tag_list(p, True)
        p.done()
        return Stmt("set_tags", table, tags=tags, text=text)
    if p.kw("UNSET"):
        p.expect_kw("TAGS")
        _, keys = _tag_list(p, False)
        p.done()
        return Stmt("unset_tags", table, keys=keys, text=text)
    p.expect_kw("ALTER", "CHANGE")
    p.kw("COLUMN")
    column = p.ident()
    # ALTER COLUMN c SET MASK f [USING COLUMNS (...)] | DROP MASK:
    # https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-alter-table-manage-column
    if p.kw("DROP"):
        p.expect_kw("MASK")
        p.done()
        return Stmt("drop_mask", table, column=column, text=text)
    if p.kw("SET"):
        if p.kw("MASK"):
            function = p.name()
            p.done()  # USING COLUMNS is not modelled: the mesh's masks take the column alone
            return Stmt("set_mask", table, column=column, function=function, text=text)
        p.expect_kw("TAGS")
        tags, _ = _tag_list(p, True)
        p.done()
        return Stmt("set_tags", table, column=column, tags=tags, text=text)
    if p.kw("UNSET"):
        p.expect_kw("TAGS")
        _, keys = _tag_list(p, False)
        p.done()
        return Stmt("unset_tags", table, column=column, keys=keys, text=text)
    comments: dict[str, str | None] = {}
    while True:
        p.expect_kw("COMMENT")
        comments[column] = p.string_or_null()
        if not p.sym(","):
            break
        column = p.ident()
    p.done()
    return Stmt("column_comments", table, comments=comments, text=text)


def _privileges(p: _Parser) -> list[str]:
    privileges: list[str] = []
    while True:
        words = [
            p.expect_kw(
                "SELECT", "MODIFY", "USE", "APPLY", "ALL", "CREATE", "MANAGE", "BROWSE", "EXECUTE", "EXTERNAL"
            )
        ]
        while (tok := p.peek()) and tok.kind == "word" and tok.value.upper() not in ("ON",):
            words.append(p.ident().upper())
        privileges.append("_".join(words))
        if not p.sym(","):
            return privileges


def _grant(p: _Parser, verb: str, text: str) -> Stmt:
    privileges = _privileges(p)
    p.expect_kw("ON")
    securable = "table"
    if p.kw("TABLE"):
        securable = "table"
    elif p.kw("SCHEMA"):
        securable = "schema"
    elif p.kw("CATALOG"):
        securable = "catalog"
    elif p.kw("FUNCTION"):
        securable = "function"
    table = p.name()
    p.expect_kw("TO" if verb == "grant" else "FROM")
    principal = p.ident()
    p.done()
    return Stmt(verb, table, privileges=privileges, securable=securable, principal=principal, text=text)


def _type(p: _Parser) -> str:
    name = p.ident().upper()
    if p.sym("("):
        args = [p.peek().value if p.peek() else ""]
        p.i += 1
        if p.sym(","):
            args.append(p.peek().value if p.peek() else "")
            p.i += 1
        p.expect_sym(")")
        name += "(" + ",".join(args) + ")"
    return name


def _return_offset(text: str) -> int:
    """Where the body starts: just after the first RETURN keyword outside quotes (RETURNS is not it)."""
    i, n, quote = 0, len(text), ""
    while i < n:
        ch = text[i]
        if quote:
            if ch == "\\" and quote != "`":
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
        elif re.match(r"RETURN\b", text[i : i + 7], re.IGNORECASE) and (
            i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")
        ):
            return i + 6
        i += 1
    raise syntax_error("end of input")


def _create_function(p: _Parser, text: str) -> Stmt:
    """CREATE [OR REPLACE] FUNCTION name(param type) RETURNS type [COMMENT '...'] RETURN expr:
    https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-create-sql-function"""
    replace = False
    if p.kw("OR"):
        p.expect_kw("REPLACE")
        replace = True
    p.expect_kw("FUNCTION")
    if_not_exists = False
    if not replace and p.kw("IF"):  # IF NOT EXISTS leaves an existing function alone (same page)
        p.expect_kw("NOT")
        p.expect_kw("EXISTS")
        if_not_exists = True
    name = p.name()
    p.expect_sym("(")
    p.ident()
    param_type = _type(p)
    p.expect_sym(")")
    p.expect_kw("RETURNS")
    returns = _type(p)
    if p.kw("COMMENT"):
        p.string()
    p.expect_kw("RETURN")
    if p.peek() is None:
        raise syntax_error("end of input")
    body = text[_return_offset(text) :].strip()
    return Stmt(
        "create_function", function=name, param_type=param_type, returns=returns, body=body,
        replace=replace, if_not_exists=if_not_exists, text=text,
    )  # fmt: skip


def parse_one(tokens: list[Tok], text: str) -> Stmt:
    p = _Parser(tokens)
    if not tokens:
        raise syntax_error("end of input")
    first = tokens[0].value.upper() if tokens[0].kind == "word" else ""
    if first in ("SELECT", "WITH"):
        return Stmt("select", text=text)
    p.i = 1
    if first == "COMMENT":
        p.expect_kw("ON")
        what = p.expect_kw("TABLE", "COLUMN")
        name = p.name()
        p.expect_kw("IS")
        value = p.string_or_null()
        p.done()
        if what == "TABLE":
            return Stmt("comment_table", name, comments={"": value}, text=text)
        if len(name) < 2:
            raise syntax_error(".".join(name))
        return Stmt("column_comments", name[:-1], comments={name[-1]: value}, text=text)
    if first == "ALTER":
        return _alter(p, text)
    if first == "CREATE":
        return _create_function(p, text)
    if first in ("GRANT", "REVOKE"):
        return _grant(p, first.lower(), text)
    if first == "SHOW":
        p.expect_kw("GRANTS")
        p.expect_kw("ON")
        p.kw("TABLE")
        name = p.name()
        p.done()
        return Stmt("show_grants", name, text=text)
    if first in ("DESCRIBE", "DESC"):
        p.kw("TABLE")
        p.kw("EXTENDED")
        name = p.name()
        p.done()
        return Stmt("describe", name, text=text)
    raise syntax_error(tokens[0].value)


def parse(text: str) -> list[Stmt]:
    """One statement, or a `BEGIN s1; s2; ... END` script. Several bare statements are rejected."""
    if re.match(r"\s*(SELECT|WITH)\b", text, re.IGNORECASE):
        return [Stmt("select", text=text)]  # queries are parsed by sqlglot in the store
    tokens = tokenize(text)
    while tokens and tokens[-1] == Tok("sym", ";"):
        tokens.pop()
    if tokens and tokens[0].kind == "word" and tokens[0].value.upper() == "BEGIN":
        if not (tokens[-1].kind == "word" and tokens[-1].value.upper() == "END"):
            raise syntax_error(tokens[-1].value)
        body, statements, current = tokens[1:-1], [], []
        for tok in body:
            if tok == Tok("sym", ";"):
                if current:
                    text = (
                        " ".join(t.value for t in current)
                        if current[0].value.upper() == "SELECT"
                        else "script"
                    )
                    statements.append(parse_one(current, text))
                current = []
            else:
                current.append(tok)
        if current:
            raise syntax_error("END")  # every statement of a script ends with ';'
        return statements
    if any(t == Tok("sym", ";") for t in tokens):
        raise syntax_error(";")
    return [parse_one(tokens, text)]
