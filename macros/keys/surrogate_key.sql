{#- Deterministic text key from several columns (nulls and separators cannot collide). -#}
{% macro surrogate_key(columns) -%}
    md5(concat_ws('|'
        {%- for column in columns -%}
            , coalesce(cast({{ column }} as {{ dbt.type_string() }}), '<null>')
        {%- endfor -%}
    ))
{%- endmacro %}
