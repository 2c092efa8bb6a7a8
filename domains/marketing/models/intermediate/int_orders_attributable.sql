{#- The orders domain's product imported once, so attribution logic refs a local model (dbt unit tests
    cannot mock a cross-project ref under dbt-loom: the fixture node loses its `public` access). -#}
with

orders as (

    select * from {{ ref('orders', 'fct_orders') }}

),

final as (

    select
        order_id,
        customer_id,
        order_total,
        currency,
        ordered_at
    from orders
    where order_status != 'cancelled'

)

select * from final
