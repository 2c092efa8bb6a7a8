{#- Grants are applied by the governance sync (`mesh sync`), the single writer of privileges: dbt would
    otherwise revoke what the sync granted on every rebuild. This root-project macro overrides dbt's
    global `apply_grants`, which every materialization calls; the `grants` config stays in the manifest
    for the sync to read. -#}
{% macro apply_grants(relation, grant_config, should_revoke=True) -%}
{%- endmacro %}
