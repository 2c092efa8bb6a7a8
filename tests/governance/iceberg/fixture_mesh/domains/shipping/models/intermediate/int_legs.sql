select id as shipment_id, carrier as carrier_id from raw.shipments
