package postgres

// SetRawScanRows sets how many rows one ScanEvents query reads, for tests.
func SetRawScanRows(n int) (restore func()) {
	old := rawScanRows
	rawScanRows = n
	return func() { rawScanRows = old }
}

// SetAccessGroups makes db append the access log through n group commits
// (n dividing audit.Partitions), each writing up to depth groups at once,
// the way way says ("batched", the default; "sealed", each group on its
// own; "access_append_parts"; or
// "access_append" with n = 16: the appends before migration 220), for
// benchmarks comparing them. No append may be in flight.
func SetAccessGroups(db *DB, n, depth int, way string) {
	db.groups = newAccessGroups(db, n, depth, accessWay(way))
}

// AccessGroups is the number of group commits a database appends through.
const AccessGroups = accessGroups
