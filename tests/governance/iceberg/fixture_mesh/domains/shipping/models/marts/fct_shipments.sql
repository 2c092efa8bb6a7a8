select
    s.id as shipment_id,
    s.carrier as carrier_id,
    s.email as recipient_email,
    s.cost as cost_eur,
    s.weight as weight_kg,
    s.ship_date,
    s.shipped_at,
    s.delivered_at,
    s.express,
    s.tracking_number
from raw.shipments as s
inner join {{ ref('int_legs') }} as l on l.shipment_id = s.id
