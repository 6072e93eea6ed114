package model

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// PMML writes the model as a PMML 4.4 Scorecard: one Characteristic per term
// (pairs become characteristics whose attributes test both features), each
// attribute's partialScore its points, reason codes by "points below" the
// characteristic's best (baselineScore), and a clamped score as an output.
func (m *Model) PMML(w io.Writer) error {
	doc := pmml{Xmlns: "http://www.dmg.org/PMML-4_4", Version: "4.4",
		Header: pmmlHeader{Description: fmt.Sprintf("Sesame %s model; training data sha256 %s", m.Kind, m.Training.SHA256),
			Application: pmmlApplication{Name: "Sesame", Version: m.Schema}}}
	sc := pmmlScorecard{ModelName: "sesame", FunctionName: "regression", UseReasonCodes: true,
		ReasonCodeAlgorithm: "pointsBelow", InitialScore: 0, BaselineMethod: "max"}
	for _, f := range m.Features {
		field := pmmlDataField{Name: f.Name, Optype: "continuous", DataType: "double"}
		if f.Type == categorical {
			field.Optype, field.DataType = "categorical", "string"
		}
		doc.DataDictionary.Fields = append(doc.DataDictionary.Fields, field)
		sc.MiningSchema.Fields = append(sc.MiningSchema.Fields, pmmlMiningField{Name: f.Name, UsageType: "active", InvalidValueTreatment: "asMissing"})
	}
	doc.DataDictionary.Fields = append(doc.DataDictionary.Fields, pmmlDataField{Name: "score", Optype: "continuous", DataType: "double"})
	doc.DataDictionary.NumberOfFields = len(doc.DataDictionary.Fields)
	sc.MiningSchema.Fields = append(sc.MiningSchema.Fields, pmmlMiningField{Name: "score", UsageType: "predicted"})
	sc.Output.Fields = append(sc.Output.Fields, pmmlOutputField{Name: "Final Score", Feature: "predictedValue", DataType: "double", Optype: "continuous"})
	sc.Output.Fields = append(sc.Output.Fields, pmmlOutputField{Name: "Score", Feature: "transformedValue", DataType: "double", Optype: "continuous",
		Apply: &pmmlApply{Function: "min", Inner: []any{
			pmmlApply{Function: "max", Inner: []any{pmmlFieldRef{Field: "Final Score"}, pmmlConstant{Value: fmt.Sprint(m.Scaling.Min)}}},
			pmmlConstant{Value: fmt.Sprint(m.Scaling.Max)}}}})
	for k := 1; k <= MaxReasons; k++ {
		sc.Output.Fields = append(sc.Output.Fields, pmmlOutputField{Name: fmt.Sprintf("Reason Code %d", k), Feature: "reasonCode",
			DataType: "string", Optype: "categorical", Rank: k})
	}
	for i := range m.Features {
		f := &m.Features[i]
		ch := pmmlCharacteristic{Name: f.Name, ReasonCode: f.Name, BaselineScore: m.BestPoints(i)}
		for _, r := range f.rules() {
			ch.Attributes = append(ch.Attributes, pmmlAttribute{PartialScore: f.Bins[r.bin].Points, Predicate: predicate(f.Name, r)})
		}
		sc.Characteristics.List = append(sc.Characteristics.List, ch)
	}
	for p := range m.Interactions {
		in := &m.Interactions[p]
		ch := pmmlCharacteristic{Name: in.Name, ReasonCode: in.Name, BaselineScore: m.BestPoints(len(m.Features) + p)}
		for _, ra := range in.Axes[0].rules() {
			for _, rb := range in.Axes[1].rules() {
				ch.Attributes = append(ch.Attributes, pmmlAttribute{PartialScore: in.Points[ra.bin][rb.bin],
					Predicate: pmmlCompound{BooleanOperator: "and", Inner: []any{predicate(in.Features[0], ra), predicate(in.Features[1], rb)}}})
			}
		}
		sc.Characteristics.List = append(sc.Characteristics.List, ch)
	}
	doc.Scorecard = sc
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// predicate is the PMML form of one bin rule.
func predicate(field string, r rule) any {
	simple := func(op string, v float64) pmmlSimple { return pmmlSimple{Field: field, Operator: op, Value: fmtNum(v)} }
	switch r.kind {
	case ruleMissing:
		return pmmlSimple{Field: field, Operator: "isMissing"}
	case ruleEqual:
		return simple("equal", r.value)
	case ruleBelow:
		return simple("lessThan", r.value)
	case ruleBetween:
		return pmmlCompound{BooleanOperator: "and", Inner: []any{simple("greaterOrEqual", r.low), simple("lessThan", r.value)}}
	case ruleIn:
		quoted := make([]string, len(r.set))
		for i, s := range r.set {
			quoted[i] = `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
		}
		return pmmlSet{Field: field, BooleanOperator: "isIn", Array: pmmlArray{N: len(r.set), Type: "string", Value: strings.Join(quoted, " ")}}
	default:
		return pmmlTrue{}
	}
}

// The PMML 4.4 elements used, as encoding/xml structs.
type pmml struct {
	XMLName        xml.Name           `xml:"PMML"`
	Xmlns          string             `xml:"xmlns,attr"`
	Version        string             `xml:"version,attr"`
	Header         pmmlHeader         `xml:"Header"`
	DataDictionary pmmlDataDictionary `xml:"DataDictionary"`
	Scorecard      pmmlScorecard      `xml:"Scorecard"`
}

type pmmlHeader struct {
	Description string          `xml:"description,attr"`
	Application pmmlApplication `xml:"Application"`
}

type pmmlApplication struct {
	Name    string `xml:"name,attr"`
	Version string `xml:"version,attr"`
}

type pmmlDataDictionary struct {
	NumberOfFields int             `xml:"numberOfFields,attr"`
	Fields         []pmmlDataField `xml:"DataField"`
}

type pmmlDataField struct {
	Name     string `xml:"name,attr"`
	Optype   string `xml:"optype,attr"`
	DataType string `xml:"dataType,attr"`
}

type pmmlScorecard struct {
	ModelName           string  `xml:"modelName,attr"`
	FunctionName        string  `xml:"functionName,attr"`
	UseReasonCodes      bool    `xml:"useReasonCodes,attr"`
	ReasonCodeAlgorithm string  `xml:"reasonCodeAlgorithm,attr"`
	InitialScore        float64 `xml:"initialScore,attr"`
	BaselineMethod      string  `xml:"baselineMethod,attr"`
	MiningSchema        struct {
		Fields []pmmlMiningField `xml:"MiningField"`
	} `xml:"MiningSchema"`
	Output struct {
		Fields []pmmlOutputField `xml:"OutputField"`
	} `xml:"Output"`
	Characteristics struct {
		List []pmmlCharacteristic `xml:"Characteristic"`
	} `xml:"Characteristics"`
}

type pmmlMiningField struct {
	Name                  string `xml:"name,attr"`
	UsageType             string `xml:"usageType,attr"`
	InvalidValueTreatment string `xml:"invalidValueTreatment,attr,omitempty"`
}

type pmmlOutputField struct {
	Name     string     `xml:"name,attr"`
	Feature  string     `xml:"feature,attr"`
	DataType string     `xml:"dataType,attr"`
	Optype   string     `xml:"optype,attr"`
	Rank     int        `xml:"rank,attr,omitempty"`
	Apply    *pmmlApply `xml:"Apply,omitempty"`
}

type pmmlApply struct {
	XMLName  xml.Name `xml:"Apply"`
	Function string   `xml:"function,attr"`
	Inner    []any
}

type pmmlFieldRef struct {
	XMLName xml.Name `xml:"FieldRef"`
	Field   string   `xml:"field,attr"`
}

type pmmlConstant struct {
	XMLName xml.Name `xml:"Constant"`
	Value   string   `xml:",chardata"`
}

type pmmlCharacteristic struct {
	Name          string          `xml:"name,attr"`
	ReasonCode    string          `xml:"reasonCode,attr"`
	BaselineScore int             `xml:"baselineScore,attr"`
	Attributes    []pmmlAttribute `xml:"Attribute"`
}

type pmmlAttribute struct {
	PartialScore int `xml:"partialScore,attr"`
	Predicate    any
}

type pmmlSimple struct {
	XMLName  xml.Name `xml:"SimplePredicate"`
	Field    string   `xml:"field,attr"`
	Operator string   `xml:"operator,attr"`
	Value    string   `xml:"value,attr,omitempty"`
}

type pmmlCompound struct {
	XMLName         xml.Name `xml:"CompoundPredicate"`
	BooleanOperator string   `xml:"booleanOperator,attr"`
	Inner           []any
}

type pmmlSet struct {
	XMLName         xml.Name  `xml:"SimpleSetPredicate"`
	Field           string    `xml:"field,attr"`
	BooleanOperator string    `xml:"booleanOperator,attr"`
	Array           pmmlArray `xml:"Array"`
}

type pmmlArray struct {
	N     int    `xml:"n,attr"`
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

type pmmlTrue struct {
	XMLName xml.Name `xml:"True"`
}
