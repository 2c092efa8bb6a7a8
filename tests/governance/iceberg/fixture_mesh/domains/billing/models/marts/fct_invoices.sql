select id as invoice_id, shipment as shipment_id, total as total_eur from raw.invoices
