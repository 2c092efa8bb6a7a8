{#- The catalog is the domain (the dbt project). DuckDB: the warehouse file is named after the domain,
    so its catalog is the project name. Databricks: one catalog per domain and environment. Spark has a
    single catalog: no database (the domain goes into the schema, see generate_schema_name). Other engines
    keep dbt's default (the target's database). -#}
{% macro generate_database_name(custom_database_name=none, node=none) -%}
    {%- if custom_database_name is not none -%}
        {{ custom_database_name | trim }}
    {%- elif target.type == 'spark' -%}
        {{ return(none) }}
    {%- elif target.type in ('duckdb', 'databricks') -%}
        {{ domain_catalog(node.package_name if node is not none else project_name) }}
    {%- else -%}
        {{ target.database | trim }}
    {%- endif -%}
{%- endmacro %}
