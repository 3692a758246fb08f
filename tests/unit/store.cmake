bs_unit(store bs_store)
