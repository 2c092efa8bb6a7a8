{#- Lower-cased, trimmed e-mail; null when it is not shaped like local@domain.tld. -#}
{% macro normalize_email(column) -%}
    {{ return(adapter.dispatch('normalize_email')(column)) }}
{%- endmacro %}

{% macro duckdb__normalize_email(column) -%}
    case
        when regexp_full_match(lower(trim({{ column }})), '[^@\s]+@[^@\s]+\.[a-z]{2,}')
            then lower(trim({{ column }}))
    end
{%- endmacro %}

{% macro trino__normalize_email(column) -%}
    case
        when regexp_like(lower(trim({{ column }})), '^[^@\s]+@[^@\s]+\.[a-z]{2,}$')
            then lower(trim({{ column }}))
    end
{%- endmacro %}

{% macro default__normalize_email(column) -%}
    case
        when lower(trim({{ column }})) rlike '^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$'
            then lower(trim({{ column }}))
    end
{%- endmacro %}
