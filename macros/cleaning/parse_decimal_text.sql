{#- Amount text from uploaded files: '1234.50' or, from some agencies, '1234,50'. -#}
{% macro parse_decimal_text(column, precision=12, scale=2) -%}
    cast(replace(trim({{ column }}), ',', '.') as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}
