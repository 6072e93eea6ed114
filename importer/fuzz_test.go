package importer

import (
	"strings"
	"testing"

	"github.com/sesame-credit/sesame"
)

const taiwanHeader = "ID,LIMIT_BAL,SEX,EDUCATION,MARRIAGE,AGE,PAY_0,PAY_2,PAY_3,PAY_4,PAY_5,PAY_6,BILL_AMT1,BILL_AMT2,BILL_AMT3,BILL_AMT4,BILL_AMT5,BILL_AMT6,PAY_AMT1,PAY_AMT2,PAY_AMT3,PAY_AMT4,PAY_AMT5,PAY_AMT6,default_payment_next_month\n"

// FuzzTaiwan: no input makes the converter panic; bad rows are errors.
func FuzzTaiwan(f *testing.F) {
	f.Add(taiwanHeader + "1,20000,2,2,1,24,2,2,-1,-1,-2,-2,3913,3102,689,0,0,0,0,689,0,0,0,0,1\n")
	f.Add(taiwanHeader + "2,120000,2,2,2,26,-1,2,0,0,0,2,2682,1725,2682,3272,3455,3261,0,1000,1000,1000,0,2000,1\n")
	f.Add(taiwanHeader + "3,1e300,1,1,1,30,9,9,9,9,9,9,-5,1e18,0,0,0,0,0,0,0,0,0,0,0\n")
	f.Fuzz(func(t *testing.T, data string) {
		_, _ = ImportTaiwan(strings.NewReader(data), func(string, []sesame.Event) error { return nil })
	})
}

func TestTaiwanBadInput(t *testing.T) {
	for _, in := range []string{"", "ID,LIMIT_BAL\n1,2\n", taiwanHeader + "1,abc,2,2,1,24,2,2,-1,-1,-2,-2,3913,3102,689,0,0,0,0,689,0,0,0,0,1\n",
		taiwanHeader + "1,20000,2,2,1,24\n", taiwanHeader + "1,-5,2,2,1,24,2,2,-1,-1,-2,-2,3913,3102,689,0,0,0,0,689,0,0,0,0,1\n"} {
		if _, err := ImportTaiwan(strings.NewReader(in), func(string, []sesame.Event) error { return nil }); err == nil {
			t.Errorf("accepted %q", in)
		}
	}
}

func TestTaiwanImplausibleAmount(t *testing.T) {
	in := taiwanHeader + "1,20000,2,2,1,24,2,2,-1,-1,-2,-2,1e18,3102,689,0,0,0,0,689,0,0,0,0,1\n"
	if _, err := ImportTaiwan(strings.NewReader(in), func(string, []sesame.Event) error { return nil }); err == nil || !strings.Contains(err.Error(), "BILL_AMT1") {
		t.Errorf("implausible bill: %v", err)
	}
}
