"""Pure data and functions: no I/O, no clocks, no globals."""
