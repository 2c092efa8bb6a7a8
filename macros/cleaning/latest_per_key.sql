{#- Rank rows of `relation` newest first per key; callers keep `_row_rank = 1`. Used for CDC-style
    extracts where a key appears once per change and exact duplicates come from re-extracts. -#}
{% macro latest_per_key(relation, key, order_by) -%}
    select
        *,
        row_number() over (partition by {{ key }} order by {{ order_by }}) as _row_rank
    from {{ relation }}
{%- endmacro %}
