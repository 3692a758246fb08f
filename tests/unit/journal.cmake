bs_unit(journal bs_parsers)
