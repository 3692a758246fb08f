bs_unit(linebuf bs_linebuf)
