with

customers as (

    select * from {{ ref('orders', 'dim_customers', v=2) }}

),

orders as (

    select * from {{ ref('orders', 'fct_orders') }}

),

sessions as (

    select * from {{ ref('marketing', 'fct_sessions') }}

),

attributed_orders as (

    select * from {{ ref('marketing', 'fct_attributed_orders') }}

),

shipments as (

    select * from {{ ref('logistics', 'fct_shipments') }}

),

order_history as (

    select
        customer_id,
        count(*) as lifetime_orders,
        sum(order_total) as lifetime_value,
        min(ordered_at) as first_ordered_at,
        max(ordered_at) as last_ordered_at
    from orders
    where order_status != 'cancelled' and customer_id is not null
    group by customer_id

),

visit_history as (

    select
        customer_id,
        count(*) as session_count,
        max(session_started_at) as last_session_at
    from sessions
    where customer_id is not null
    group by customer_id

),

attribution as (

    select
        customer_id,
        sum(case when attribution_channel != 'direct' then 1 else 0 end) as campaign_attributed_orders
    from attributed_orders
    where customer_id is not null
    group by customer_id

),

delivery as (

    select
        orders.customer_id,
        count(*) as shipment_count,
        sum(case when shipments.is_on_time then 1 else 0 end) as on_time_shipments,
        sum(case when shipments.is_delivered then 1 else 0 end) as delivered_shipments
    from shipments
    inner join orders on shipments.order_id = orders.order_id
    where orders.customer_id is not null
    group by orders.customer_id

),

final as (

    select
        ----------  ids
        customers.customer_id,

        ----------  attributes
        customers.country_code,
        customers.has_valid_email,
        customers.created_at as customer_since,

        ----------  orders
        cast(coalesce(order_history.lifetime_orders, 0) as integer) as lifetime_orders,
        cast(coalesce(order_history.lifetime_value, 0) as decimal(14, 2)) as lifetime_value,
        order_history.first_ordered_at,
        order_history.last_ordered_at,

        ----------  marketing
        cast(coalesce(visit_history.session_count, 0) as integer) as session_count,
        visit_history.last_session_at,
        cast(coalesce(attribution.campaign_attributed_orders, 0) as integer) as campaign_attributed_orders,

        ----------  logistics
        cast(coalesce(delivery.shipment_count, 0) as integer) as shipment_count,
        case
            when delivery.delivered_shipments > 0
                then cast(delivery.on_time_shipments as double) / delivery.delivered_shipments
        end as on_time_delivery_rate

    from customers
    left join order_history on customers.customer_id = order_history.customer_id
    left join visit_history on customers.customer_id = visit_history.customer_id
    left join attribution on customers.customer_id = attribution.customer_id
    left join delivery on customers.customer_id = delivery.customer_id

)

select * from final
