{#- Catalog of a domain on the current target: `orders` on DuckDB and in prod on Databricks,
    `orders_<env>` in other Databricks environments (env from MESH_ENV, default dev). -#}
{% macro domain_catalog(domain) -%}
    {%- set env = env_var('MESH_ENV', 'dev') | trim | lower -%}
    {%- if target.type == 'databricks' and env != 'prod' -%}
        {{ domain }}_{{ env }}
    {%- else -%}
        {{ domain }}
    {%- endif -%}
{%- endmacro %}
