"""Price usage history under candidate offerings with the simulator's engine ("what-if").

`what_if(records, catalog, enrollments, candidates)` returns a `WhatIfResult`: every invoice the
simulator would issue to each customer under its current offering and under each candidate,
with totals, revenue deltas and the distribution of per-customer change. `paigo whatif` (and
`paigo-simulator whatif`) is a thin shell over it; `aggregation_job` gives its aggregation to
run on another engine. Needs the `whatif` extra (DuckDB, pyarrow, PyYAML, rich).
"""

from simulator.whatif.catalog import Catalog, load_catalog
from simulator.whatif.enrollments import CurrentEnrollment, load_enrollments
from simulator.whatif.errors import WhatIfInputError
from simulator.whatif.quantities import QUANTITY_SQL
from simulator.whatif.result import CURRENT, Distribution, PricedInvoice, PricedLine, WhatIfResult
from simulator.whatif.run import AggregationJob, aggregation_job, what_if
from simulator.whatif.usage import AGGREGATION_SQL, UsageSource

__all__ = [
    "AGGREGATION_SQL",
    "CURRENT",
    "QUANTITY_SQL",
    "AggregationJob",
    "Catalog",
    "CurrentEnrollment",
    "Distribution",
    "PricedInvoice",
    "PricedLine",
    "UsageSource",
    "WhatIfInputError",
    "WhatIfResult",
    "aggregation_job",
    "load_catalog",
    "load_enrollments",
    "what_if",
]
