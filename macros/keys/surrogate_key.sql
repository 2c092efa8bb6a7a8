{#- Deterministic text key from several columns (nulls and separators cannot collide): the lower-case
    hex MD5 of the columns as text joined by '|', on every engine. -#}
{% macro surrogate_key(columns) -%}
    {{ return(adapter.dispatch('surrogate_key')(columns)) }}
{%- endmacro %}

{% macro surrogate_key_text(columns) -%}
    concat_ws('|'
        {%- for column in columns -%}
            , coalesce(cast({{ column }} as {{ dbt.type_string() }}), '<null>')
        {%- endfor -%}
    )
{%- endmacro %}

{% macro default__surrogate_key(columns) -%}
    md5({{ surrogate_key_text(columns) }})
{%- endmacro %}

{#- Trino's md5 hashes varbinary and returns it: hash the UTF-8 bytes, spell the digest in hex. -#}
{% macro trino__surrogate_key(columns) -%}
    lower(to_hex(md5(to_utf8({{ surrogate_key_text(columns) }}))))
{%- endmacro %}
