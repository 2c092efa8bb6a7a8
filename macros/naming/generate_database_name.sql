{#- The catalog is the domain (the dbt project). DuckDB: the warehouse file is named after the domain,
    so its catalog is the project name. Databricks: one catalog per domain and environment. Spark has a
    single catalog: no database (the domain goes into the schema, see generate_schema_name). Other engines
    keep dbt's default (the target's database).
    MESH_CATALOG_SUFFIX (set by `mesh build --pr ID`: `__pr_<id>`) moves every catalog a pull request
    writes into its own namespace, so it never writes production objects (governance/build/namespace.py);
    reads of production (domain_catalog) keep their names. -#}
{% macro generate_database_name(custom_database_name=none, node=none) -%}
    {%- set suffix = env_var('MESH_CATALOG_SUFFIX', '') | trim -%}
    {%- if custom_database_name is not none -%}
        {{ custom_database_name | trim }}{{ suffix }}
    {%- elif target.type == 'spark' -%}
        {{ return(none) }}
    {%- elif target.type in ('duckdb', 'databricks') -%}
        {{ domain_catalog(node.package_name if node is not none else project_name) }}{{ suffix }}
    {%- else -%}
        {{ target.database | trim }}{{ suffix }}
    {%- endif -%}
{%- endmacro %}
