{#- Catalog of a domain on the current target: `orders` on DuckDB and in prod on Databricks,
    `orders_<env>` in other Databricks environments (env from MESH_ENV, default dev). A deployment may
    name a domain's catalog explicitly with MESH_CATALOG_<DOMAIN> (the bundle's catalog variables). -#}
{% macro domain_catalog(domain) -%}
    {%- set env = env_var('MESH_ENV', 'dev') | trim | lower -%}
    {%- if target.type == 'databricks' -%}
        {{ env_var('MESH_CATALOG_' ~ domain | upper, domain if env == 'prod' else domain ~ '_' ~ env) | trim }}
    {%- else -%}
        {{ domain }}
    {%- endif -%}
{%- endmacro %}
