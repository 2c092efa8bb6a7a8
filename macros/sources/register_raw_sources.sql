{#- Make this project's raw sources queryable under their source names, from on-run-start. DuckDB reads
    the files through dbt-duckdb's `external_location` and Databricks reads landing tables, so only Spark
    needs it: each source becomes an external Parquet table over its folder, re-created on every run so a
    changed file layout is picked up (dropping an external table never deletes its files). -#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
{%- endmacro %}

{% macro spark__register_raw_sources() -%}
    {%- if execute -%}
        {%- for source in graph.sources.values() if source.package_name == project_name -%}
            {%- set location = source.meta.get('external_location') -%}
            {%- if location -%}
                {#- dbt-duckdb's template names the table `{name}` and globs its files; Spark reads the folder -#}
                {%- set folder = location.replace('{name}', source.name).removesuffix('/*.parquet') -%}
                {%- set relation = api.Relation.create(schema=source.schema, identifier=source.identifier) -%}
                {%- do run_query('create schema if not exists ' ~ adapter.quote(source.schema)) -%}
                {%- do run_query('drop table if exists ' ~ relation) -%}
                {%- do run_query('create table ' ~ relation ~ ' using parquet location ' ~ dbt.string_literal(folder)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
