{#- The schema is the layer (bronze/silver/gold/hub), verbatim on every target: no target-name prefix,
    so a product has the same name everywhere (catalog = domain, schema = layer). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
