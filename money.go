package sesame

import "strings"

// Money is an amount in integer minor units (fen, cents) of an ISO 4217
// currency. Floats never carry money in Sesame: they cannot represent 0.10.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// iso4217 lists the active ISO 4217 alphabetic codes (2024 list).
var iso4217 = func() map[string]bool {
	const codes = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD " +
		"CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP " +
		"GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP " +
		"LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN " +
		"PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT " +
		"TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG"
	m := map[string]bool{}
	for _, c := range strings.Fields(codes) {
		m[c] = true
	}
	return m
}()

// ValidCurrency reports whether code is an active ISO 4217 alphabetic code.
func ValidCurrency(code string) bool { return iso4217[code] }

func (m Money) validate(v *validator, field string, allowZero bool) {
	if !ValidCurrency(m.Currency) {
		if m.Currency == "" {
			v.add(field+".currency", "is required (an ISO 4217 code such as CNY)")
		} else {
			v.add(field+".currency", "is not an ISO 4217 currency code: "+quote(m.Currency))
		}
	}
	switch {
	case m.Amount < 0:
		v.add(field+".amount", "must not be negative (integer minor units)")
	case m.Amount == 0 && !allowZero:
		v.add(field+".amount", "must be positive (integer minor units)")
	case m.Amount > maxMinorUnits:
		v.add(field+".amount", "is implausibly large")
	}
}

// maxMinorUnits bounds any single amount (10^15 minor units) so that sums of
// millions of events cannot overflow int64.
const maxMinorUnits = 1_000_000_000_000_000
