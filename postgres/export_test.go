package postgres

// SetRawScanRows sets how many rows one ScanEvents query reads, for tests.
func SetRawScanRows(n int) (restore func()) {
	old := rawScanRows
	rawScanRows = n
	return func() { rawScanRows = old }
}
