{#- The schema is the layer (bronze/silver/gold/hub), verbatim: no target-name prefix, so a product has
    the same name everywhere (catalog = domain, schema = layer). Open-source Spark has a single catalog,
    so on Spark the domain and the layer fold into one schema (spark_schema: `orders__gold`). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set layer = (target.schema if custom_schema_name is none else custom_schema_name) | trim -%}
    {%- if target.type == 'spark' -%}
        {{ spark_schema(node.package_name if node is not none else project_name, layer) }}
    {%- else -%}
        {{ layer }}
    {%- endif -%}
{%- endmacro %}
