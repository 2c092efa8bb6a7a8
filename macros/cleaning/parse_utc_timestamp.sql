{#- Parse timestamp text written with mixed time zones ('...Z', '...+02:00', or naive meaning UTC)
    into a UTC timestamp without time zone. -#}
{% macro parse_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('parse_utc_timestamp')(column)) }}
{%- endmacro %}

{% macro duckdb__parse_utc_timestamp(column) -%}
    cast(timezone('UTC', cast(nullif(trim({{ column }}), '') as timestamptz)) as timestamp)
{%- endmacro %}

{% macro trino__parse_utc_timestamp(column) -%}
    {#- ISO 8601 with a 'T' or a space, 'Z', an offset or none (naive means UTC: the session zone). -#}
    cast(at_timezone(from_iso8601_timestamp(replace(nullif(trim({{ column }}), ''), ' ', 'T')), 'UTC') as timestamp(6))
{%- endmacro %}

{% macro default__parse_utc_timestamp(column) -%}
    {#- Spark/Databricks parse the offset; the session time zone must be UTC for naive values. -#}
    to_utc_timestamp(to_timestamp(nullif(trim({{ column }}), '')), 'UTC')
{%- endmacro %}
