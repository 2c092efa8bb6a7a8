{#
  Spark target, Delta table with an enforced contract: create the table with the contract's columns and
  NOT NULL constraints, then insert the rows, as dbt-databricks does on Databricks. dbt-spark instead
  creates the table from the query and then runs `ALTER TABLE ... CHANGE COLUMN ... SET NOT NULL`, which
  open-source Delta refuses ("Cannot change nullable column to non-nullable") where Databricks accepts it.
  A NULL in a NOT NULL column then fails the insert (DELTA_NOT_NULL_CONSTRAINT_VIOLATED), as on Databricks.
  Every other case (temporary views, Parquet, no contract) goes to dbt-spark's own macro.
#}
{% macro spark__create_table_as(temporary, relation, compiled_code, language='sql') -%}
  {%- set contract = config.get('contract') -%}
  {%- if language == 'sql' and not temporary and contract and contract.enforced
        and config.get('file_format', 'delta') == 'delta' -%}
    {{- get_assert_columns_equivalent(compiled_code) -}}
    {%- set ddl -%}
      create or replace table {{ relation }} (
        {%- for column in model['columns'].values() %}
        {{ adapter.quote(column['name']) }} {{ column['data_type'] }}
        {%- if column['constraints'] | selectattr('type', 'equalto', 'not_null') | list %} not null{% endif %}
        {{- ',' if not loop.last }}
        {%- endfor %}
      )
      {{ file_format_clause() }}
      {{ options_clause() }}
      {{ tblproperties_clause() }}
      {{ partition_cols(label="partitioned by") }}
      {{ location_clause() }}
      {{ comment_clause() }}
    {%- endset -%}
    {%- if execute -%}{%- do run_query(ddl) -%}{%- endif %}
    insert into {{ relation }}
    {{ get_select_subquery(compiled_code) }}
  {%- else -%}
    {{ dbt.spark__create_table_as(temporary, relation, compiled_code, language) }}
  {%- endif -%}
{%- endmacro %}
