package postgres

// SetRawScanRows sets how many rows one ScanEvents query reads, for tests.
func SetRawScanRows(n int) (restore func()) {
	old := rawScanRows
	rawScanRows = n
	return func() { rawScanRows = old }
}

// SetAccessGroups makes db append the access log through n group commits
// (n dividing audit.Partitions; 16 is one a partition), for benchmarks
// comparing the counts. Call it before any append.
func SetAccessGroups(db *DB, n int) { db.groups = newAccessGroups(db, n) }

// AccessGroups is the number of group commits a database appends through.
const AccessGroups = accessGroups
