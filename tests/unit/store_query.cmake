bs_unit(store_query bs_store)
