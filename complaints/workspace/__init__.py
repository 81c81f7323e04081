"""Staff pages for complaints: the agents' queue, the complaint page with the borrower 360 beside it,
and the supervisors' escalation inbox and team workload. Reads go through `selectors` (scoped with
`accounts.scoping`), writes through `complaints.services`."""
