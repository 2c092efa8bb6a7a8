{#- The one Spark schema that stands for a domain's catalog and a layer: (`orders`, `gold`) -> `orders__gold`.
    The only place the Spark name is spelled. -#}
{% macro spark_schema(domain, layer) -%}
    {{ domain }}__{{ layer }}
{%- endmacro %}
