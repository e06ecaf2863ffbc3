"""The CTCAE v5.0 terms this trial needs, typed from the public NCI document.

Source: NCI Common Terminology Criteria for Adverse Events (CTCAE) v5.0, 27 November 2017
(US spelling, the MedDRA v20.1 lowest-level-term codes the document lists). A grade CTCAE marks
"-" (does not exist for the term) is "". The full official list (837 terms) replaces and extends
these with ``manage.py import_ctcae``; ``toxicity/tests/models/test_ctcae_builtin.py`` checks every
text here against the official spreadsheet when it is available.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class BuiltinTerm:
    meddra_code: int
    soc: str
    term: str
    grades: tuple[str, str, str, str, str]  # grade 1..5; "" = the grade does not exist
    definition: str = ""


# MedDRA system organ classes, as CTCAE names them.
BLOOD = "Blood and lymphatic system disorders"
CARDIAC = "Cardiac disorders"
EAR = "Ear and labyrinth disorders"
ENDOCRINE = "Endocrine disorders"
GI = "Gastrointestinal disorders"
GENERAL = "General disorders and administration site conditions"
HEPATOBILIARY = "Hepatobiliary disorders"
IMMUNE = "Immune system disorders"
INFECTIONS = "Infections and infestations"
INJURY = "Injury, poisoning and procedural complications"
INVESTIGATIONS = "Investigations"
METABOLISM = "Metabolism and nutrition disorders"
MUSCULOSKELETAL = "Musculoskeletal and connective tissue disorders"
NERVOUS = "Nervous system disorders"
RENAL = "Renal and urinary disorders"
REPRODUCTIVE = "Reproductive system and breast disorders"
RESPIRATORY = "Respiratory, thoracic and mediastinal disorders"
SKIN = "Skin and subcutaneous tissue disorders"
VASCULAR = "Vascular disorders"

# Phrases CTCAE repeats across many terms.
NA = ""
DEATH = "Death"
LIFE_THREATENING = "Life-threatening consequences; urgent intervention indicated"
ASYMPTOMATIC = "Asymptomatic; clinical or diagnostic observations only; intervention not indicated"
MILD_PAIN = "Mild pain"
MODERATE_PAIN = "Moderate pain; limiting instrumental ADL"
SEVERE_PAIN = "Severe pain; limiting self care ADL"
HEMORRHAGE = (
    "Mild symptoms; intervention not indicated",
    "Moderate symptoms; intervention indicated",
    "Transfusion indicated; invasive intervention indicated; hospitalization",
    LIFE_THREATENING,
    DEATH,
)
TRANSAMINASE = (
    ">ULN - 3.0 x ULN if baseline was normal; 1.5 - 3.0 x baseline if baseline was abnormal",
    ">3.0 - 5.0 x ULN if baseline was normal; >3.0 - 5.0 x baseline if baseline was abnormal",
    ">5.0 - 20.0 x ULN if baseline was normal; >5.0 - 20.0 x baseline if baseline was abnormal",
    ">20.0 x ULN if baseline was normal; >20.0 x baseline if baseline was abnormal",
    NA,
)
CHOLESTATIC_ENZYME = (
    ">ULN - 2.5 x ULN if baseline was normal; 2.0 - 2.5 x baseline if baseline was abnormal",
    ">2.5 - 5.0 x ULN if baseline was normal; >2.5 - 5.0 x baseline if baseline was abnormal",
    ">5.0 - 20.0 x ULN if baseline was normal; >5.0 - 20.0 x baseline if baseline was abnormal",
    ">20.0 x ULN if baseline was normal; >20.0 x baseline if baseline was abnormal",
    NA,
)
PANCREATIC_ENZYME = (
    ">ULN - 1.5 x ULN",
    ">1.5 - 2.0 x ULN; >2.0 - 5.0 x ULN and asymptomatic",
    ">2.0 - 5.0 x ULN with signs or symptoms; >5.0 x ULN and asymptomatic",
    ">5.0 x ULN and with signs or symptoms",
    NA,
)

TERMS: tuple[BuiltinTerm, ...] = (
    # Blood and lymphatic system
    BuiltinTerm(
        10002272,
        BLOOD,
        "Anemia",
        (
            "Hemoglobin (Hgb) <LLN - 10.0 g/dL; <LLN - 6.2 mmol/L; <LLN - 100 g/L",
            "Hgb <10.0 - 8.0 g/dL; <6.2 - 4.9 mmol/L; <100 - 80g/L",
            "Hgb <8.0 g/dL; <4.9 mmol/L; <80 g/L; transfusion indicated",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    BuiltinTerm(
        10016288,
        BLOOD,
        "Febrile neutropenia",
        (
            NA,
            NA,
            "ANC <1000/mm3 with a single temperature of >38.3 degrees C (101 degrees F) or a sustained "
            "temperature of >=38 degrees C (100.4 degrees F) for more than one hour",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    # Investigations: blood counts
    BuiltinTerm(
        10029366,
        INVESTIGATIONS,
        "Neutrophil count decreased",
        (
            "<LLN - 1500/mm3; <LLN - 1.5 x 10e9 /L",
            "<1500 - 1000/mm3; <1.5 - 1.0 x 10e9 /L",
            "<1000 - 500/mm3; <1.0 - 0.5 x 10e9 /L",
            "<500/mm3; <0.5 x 10e9 /L",
            NA,
        ),
    ),
    BuiltinTerm(
        10049182,
        INVESTIGATIONS,
        "White blood cell decreased",
        (
            "<LLN - 3000/mm3; <LLN - 3.0 x 10e9 /L",
            "<3000 - 2000/mm3; <3.0 - 2.0 x 10e9 /L",
            "<2000 - 1000/mm3; <2.0 - 1.0 x 10e9 /L",
            "<1000/mm3; <1.0 x 10e9 /L",
            NA,
        ),
    ),
    BuiltinTerm(
        10035528,
        INVESTIGATIONS,
        "Platelet count decreased",
        (
            "<LLN - 75,000/mm3; <LLN - 75.0 x 10e9 /L",
            "<75,000 - 50,000/mm3; <75.0 - 50.0 x 10e9 /L",
            "<50,000 - 25,000/mm3; <50.0 - 25.0 x 10e9 /L",
            "<25,000/mm3; <25.0 x 10e9 /L",
            NA,
        ),
    ),
    BuiltinTerm(
        10025256,
        INVESTIGATIONS,
        "Lymphocyte count decreased",
        (
            "<LLN - 800/mm3; <LLN - 0.8 x 10e9/L",
            "<800 - 500/mm3; <0.8 - 0.5 x 10e9 /L",
            "<500 - 200/mm3; <0.5 - 0.2 x 10e9 /L",
            "<200/mm3; <0.2 x 10e9 /L",
            NA,
        ),
    ),
    # Investigations: liver, kidney, pancreas, muscle
    BuiltinTerm(10001551, INVESTIGATIONS, "Alanine aminotransferase increased", TRANSAMINASE),
    BuiltinTerm(10003481, INVESTIGATIONS, "Aspartate aminotransferase increased", TRANSAMINASE),
    BuiltinTerm(10001675, INVESTIGATIONS, "Alkaline phosphatase increased", CHOLESTATIC_ENZYME),
    BuiltinTerm(10056910, INVESTIGATIONS, "GGT increased", CHOLESTATIC_ENZYME),
    BuiltinTerm(
        10005364,
        INVESTIGATIONS,
        "Blood bilirubin increased",
        (
            ">ULN - 1.5 x ULN if baseline was normal; > 1.0 - 1.5 x baseline if baseline was abnormal",
            ">1.5 - 3.0 x ULN if baseline was normal; >1.5 - 3.0 x baseline if baseline was abnormal",
            ">3.0 - 10.0 x ULN if baseline was normal; >3.0 - 10.0 x baseline if baseline was abnormal",
            ">10.0 x ULN if baseline was normal; >10.0 x baseline if baseline was abnormal",
            NA,
        ),
    ),
    BuiltinTerm(
        10011368,
        INVESTIGATIONS,
        "Creatinine increased",
        (
            ">ULN - 1.5 x ULN",
            ">1.5 - 3.0 x baseline; >1.5 - 3.0 x ULN",
            ">3.0 x baseline; >3.0 - 6.0 x ULN",
            ">6.0 x ULN",
            NA,
        ),
    ),
    BuiltinTerm(10040139, INVESTIGATIONS, "Serum amylase increased", PANCREATIC_ENZYME),
    BuiltinTerm(10024574, INVESTIGATIONS, "Lipase increased", PANCREATIC_ENZYME),
    BuiltinTerm(
        10011268,
        INVESTIGATIONS,
        "CPK increased",
        (
            ">ULN - 2.5 x ULN",
            ">2.5 x ULN - 5 x ULN",
            ">5 x ULN - 10 x ULN",
            ">10 x ULN",
            NA,
        ),
    ),
    BuiltinTerm(
        10047900,
        INVESTIGATIONS,
        "Weight loss",
        (
            "5 to <10% from baseline; intervention not indicated",
            "10 - <20% from baseline; nutritional support indicated",
            ">=20% from baseline; tube feeding or TPN indicated",
            NA,
            NA,
        ),
    ),
    # Hepatobiliary
    BuiltinTerm(
        10019663,
        HEPATOBILIARY,
        "Hepatic failure",
        (
            NA,
            NA,
            "Asterixis; mild encephalopathy; drug-induced liver injury (DILI); limiting self care ADL",
            "Life-threatening consequences; moderate to severe encephalopathy; coma",
            DEATH,
        ),
    ),
    # Renal and urinary
    BuiltinTerm(
        10069339,
        RENAL,
        "Acute kidney injury",
        (
            NA,
            NA,
            "Hospitalization indicated",
            "Life-threatening consequences; dialysis indicated",
            DEATH,
        ),
    ),
    BuiltinTerm(
        10063057,
        RENAL,
        "Cystitis noninfective",
        (
            "Microscopic hematuria; minimal increase in frequency, urgency, dysuria, or nocturia; new onset of incontinence",
            "Moderate hematuria; moderate increase in frequency, urgency, dysuria, nocturia or incontinence; urinary "
            "catheter placement or bladder irrigation indicated; limiting instrumental ADL",
            "Gross hematuria; transfusion, IV medications, or hospitalization indicated; elective invasive intervention "
            "indicated",
            "Life-threatening consequences; urgent invasive intervention indicated",
            DEATH,
        ),
    ),
    BuiltinTerm(
        10019450,
        RENAL,
        "Hematuria",
        (
            ASYMPTOMATIC,
            "Symptomatic; urinary catheter or bladder irrigation indicated; limiting instrumental ADL",
            "Gross hematuria; transfusion, IV medications, or hospitalization indicated; elective invasive intervention "
            "indicated; limiting self care ADL",
            "Life-threatening consequences; urgent invasive intervention indicated",
            DEATH,
        ),
    ),
    BuiltinTerm(
        10046539,
        RENAL,
        "Urinary frequency",
        (
            "Present",
            "Limiting instrumental ADL; medical management indicated",
            NA,
            NA,
            NA,
        ),
    ),
    # Metabolism and nutrition
    BuiltinTerm(
        10021018,
        METABOLISM,
        "Hypokalemia",
        (
            "<LLN - 3.0 mmol/L",
            "Symptomatic with <LLN - 3.0 mmol/L; intervention indicated",
            "<3.0 - 2.5 mmol/L; hospitalization indicated",
            "<2.5 mmol/L; life-threatening consequences",
            DEATH,
        ),
    ),
    BuiltinTerm(
        10020647,
        METABOLISM,
        "Hyperkalemia",
        (
            ">ULN - 5.5 mmol/L",
            ">5.5 - 6.0 mmol/L; intervention initiated",
            ">6.0 - 7.0 mmol/L; hospitalization indicated",
            ">7.0 mmol/L; life-threatening consequences",
            DEATH,
        ),
    ),
    BuiltinTerm(
        10021038,
        METABOLISM,
        "Hyponatremia",
        (
            "<LLN - 130 mmol/L",
            "125-129 mmol/L and asymptomatic",
            "125-129 mmol/L symptomatic; 120-124 mmol/L regardless of symptoms",
            "<120 mmol/L; life-threatening consequences",
            DEATH,
        ),
    ),
    BuiltinTerm(
        10020680,
        METABOLISM,
        "Hypernatremia",
        (
            ">ULN - 150 mmol/L",
            ">150 - 155 mmol/L; intervention initiated",
            ">155 - 160 mmol/L; hospitalization indicated",
            ">160 mmol/L; life-threatening consequences",
            DEATH,
        ),
    ),
    BuiltinTerm(
        10021028,
        METABOLISM,
        "Hypomagnesemia",
        (
            "<LLN - 1.2 mg/dL; <LLN - 0.5 mmol/L",
            "<1.2 - 0.9 mg/dL; <0.5 - 0.4 mmol/L",
            "<0.9 - 0.7 mg/dL; <0.4 - 0.3 mmol/L",
            "<0.7 mg/dL; <0.3 mmol/L; life-threatening consequences",
            DEATH,
        ),
    ),
    BuiltinTerm(
        10020670,
        METABOLISM,
        "Hypermagnesemia",
        (
            ">ULN - 3.0 mg/dL; >ULN - 1.23 mmol/L",
            NA,
            ">3.0 - 8.0 mg/dL; >1.23 - 3.30 mmol/L",
            ">8.0 mg/dL; >3.30 mmol/L; life-threatening consequences",
            DEATH,
        ),
    ),
    BuiltinTerm(
        10020949,
        METABOLISM,
        "Hypocalcemia",
        (
            "Corrected serum calcium of <LLN - 8.0 mg/dL; <LLN - 2.0 mmol/L; Ionized calcium <LLN - 1.0 mmol/L",
            "Corrected serum calcium of <8.0 - 7.0 mg/dL; <2.0 - 1.75 mmol/L; Ionized calcium <1.0 - 0.9 mmol/L; "
            "symptomatic",
            "Corrected serum calcium of <7.0 - 6.0 mg/dL; <1.75 - 1.5 mmol/L; Ionized calcium <0.9 - 0.8 mmol/L; "
            "hospitalization indicated",
            "Corrected serum calcium of <6.0 mg/dL; <1.5 mmol/L; Ionized calcium <0.8 mmol/L; life-threatening "
            "consequences",
            DEATH,
        ),
    ),
    BuiltinTerm(
        10020587,
        METABOLISM,
        "Hypercalcemia",
        (
            "Corrected serum calcium of >ULN - 11.5 mg/dL; >ULN - 2.9 mmol/L; Ionized calcium >ULN - 1.5 mmol/L",
            "Corrected serum calcium of >11.5 - 12.5 mg/dL; >2.9 - 3.1 mmol/L; Ionized calcium >1.5 - 1.6 mmol/L; "
            "symptomatic",
            "Corrected serum calcium of >12.5 - 13.5 mg/dL; >3.1 - 3.4 mmol/L; Ionized calcium >1.6 - 1.8 mmol/L; "
            "hospitalization indicated",
            "Corrected serum calcium of >13.5 mg/dL; >3.4 mmol/L; Ionized calcium >1.8 mmol/L; life-threatening "
            "consequences",
            DEATH,
        ),
    ),
    BuiltinTerm(
        10020943,
        METABOLISM,
        "Hypoalbuminemia",
        (
            "<LLN - 3 g/dL; <LLN - 30 g/L",
            "<3 - 2 g/dL; <30 - 20 g/L",
            "<2 g/dL; <20 g/L",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    BuiltinTerm(
        10020639,
        METABOLISM,
        "Hyperglycemia",
        (
            "Abnormal glucose above baseline with no medical intervention",
            "Change in daily management from baseline for a diabetic; oral antiglycemic agent initiated; workup for diabetes",
            "Insulin therapy initiated; hospitalization indicated",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    BuiltinTerm(
        10002646,
        METABOLISM,
        "Anorexia",
        (
            "Loss of appetite without alteration in eating habits",
            "Oral intake altered without significant weight loss or malnutrition; oral nutritional supplements indicated",
            "Associated with significant weight loss or malnutrition (e.g., inadequate oral caloric and/or fluid intake); "
            "tube feeding or TPN indicated",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    BuiltinTerm(
        10012174,
        METABOLISM,
        "Dehydration",
        (
            "Increased oral fluids indicated; dry mucous membranes; diminished skin turgor",
            "IV fluids indicated",
            "Hospitalization indicated",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    # Gastrointestinal
    BuiltinTerm(
        10012727,
        GI,
        "Diarrhea",
        (
            "Increase of <4 stools per day over baseline; mild increase in ostomy output compared to baseline",
            "Increase of 4 - 6 stools per day over baseline; moderate increase in ostomy output compared to baseline; "
            "limiting instrumental ADL",
            "Increase of >=7 stools per day over baseline; hospitalization indicated; severe increase in ostomy output "
            "compared to baseline; limiting self care ADL",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    BuiltinTerm(
        10009887,
        GI,
        "Colitis",
        (
            ASYMPTOMATIC,
            "Abdominal pain; mucus or blood in stool",
            "Severe abdominal pain; peritoneal signs",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    BuiltinTerm(
        10028813,
        GI,
        "Nausea",
        (
            "Loss of appetite without alteration in eating habits",
            "Oral intake decreased without significant weight loss, dehydration or malnutrition",
            "Inadequate oral caloric or fluid intake; tube feeding, TPN, or hospitalization indicated",
            NA,
            NA,
        ),
    ),
    BuiltinTerm(
        10047700,
        GI,
        "Vomiting",
        (
            "Intervention not indicated",
            "Outpatient IV hydration; medical intervention indicated",
            "Tube feeding, TPN, or hospitalization indicated",
            "Life-threatening consequences",
            DEATH,
        ),
    ),
    BuiltinTerm(
        10010774,
        GI,
        "Constipation",
        (
            "Occasional or intermittent symptoms; occasional use of stool softeners, laxatives, dietary modification, or "
            "enema",
            "Persistent symptoms with regular use of laxatives or enemas; limiting instrumental ADL",
            "Obstipation with manual evacuation indicated; limiting self care ADL",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    BuiltinTerm(
        10028130,
        GI,
        "Mucositis oral",
        (
            "Asymptomatic or mild symptoms; intervention not indicated",
            "Moderate pain or ulcer that does not interfere with oral intake; modified diet indicated",
            "Severe pain; interfering with oral intake",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    BuiltinTerm(10000081, GI, "Abdominal pain", (MILD_PAIN, MODERATE_PAIN, SEVERE_PAIN, NA, NA)),
    BuiltinTerm(
        10013946,
        GI,
        "Dyspepsia",
        (
            "Mild symptoms; intervention not indicated",
            "Moderate symptoms; medical intervention indicated",
            "Severe symptoms; operative intervention indicated",
            NA,
            NA,
        ),
    ),
    BuiltinTerm(
        10036774,
        GI,
        "Proctitis",
        (
            "Rectal discomfort, intervention not indicated",
            "Symptomatic (e.g., rectal discomfort, passing blood or mucus); medical intervention indicated; limiting "
            "instrumental ADL",
            "Severe symptoms; fecal urgency or stool incontinence; limiting self care ADL",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    BuiltinTerm(10038064, GI, "Rectal hemorrhage", HEMORRHAGE),
    BuiltinTerm(
        10033645,
        GI,
        "Pancreatitis",
        (
            NA,
            "Enzyme elevation; radiologic findings only",
            "Severe pain; vomiting; medical intervention indicated (e.g., analgesia, nutritional support)",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    # Skin and subcutaneous tissue
    BuiltinTerm(
        10037868,
        SKIN,
        "Rash maculo-papular",
        (
            "Macules/papules covering <10% BSA with or without symptoms (e.g., pruritus, burning, tightness)",
            "Macules/papules covering 10 - 30% BSA with or without symptoms (e.g., pruritus, burning, tightness); "
            "limiting instrumental ADL; rash covering > 30% BSA with or without mild symptoms",
            "Macules/papules covering >30% BSA with moderate or severe symptoms; limiting self care ADL",
            NA,
            NA,
        ),
    ),
    BuiltinTerm(
        10037087,
        SKIN,
        "Pruritus",
        (
            "Mild or localized; topical intervention indicated",
            "Widespread and intermittent; skin changes from scratching (e.g., edema, papulation, excoriations, "
            "lichenification, oozing/crusts); oral intervention indicated; limiting instrumental ADL",
            "Widespread and constant; limiting self care ADL or sleep; systemic corticosteroid or immunosuppressive "
            "therapy indicated",
            NA,
            NA,
        ),
    ),
    BuiltinTerm(
        10042033,
        SKIN,
        "Stevens-Johnson syndrome",
        (
            NA,
            NA,
            "Skin sloughing covering <10% BSA with associated signs (e.g., erythema, purpura, epidermal detachment, and "
            "mucous membrane detachment)",
            "Skin sloughing covering 10 - 30% BSA with associated signs (e.g., erythema, purpura, epidermal detachment "
            "and mucous membrane detachment)",
            DEATH,
        ),
    ),
    BuiltinTerm(
        10044223,
        SKIN,
        "Toxic epidermal necrolysis",
        (
            NA,
            NA,
            NA,
            "Skin sloughing covering >=30% BSA with associated symptoms (e.g., erythema, purpura, or epidermal "
            "detachment)",
            DEATH,
        ),
    ),
    BuiltinTerm(
        10001760,
        SKIN,
        "Alopecia",
        (
            "Hair loss of <50% of normal for that individual that is not obvious from a distance but only on close "
            "inspection; a different hair style may be required to cover the hair loss but it does not require a wig "
            "or hair piece to camouflage",
            "Hair loss of >=50% normal for that individual that is readily apparent to others; a wig or hair piece is "
            "necessary if the patient desires to completely camouflage the hair loss; associated with psychosocial impact",
            NA,
            NA,
            NA,
        ),
    ),
    BuiltinTerm(
        10013786,
        SKIN,
        "Dry skin",
        (
            "Covering <10% BSA and no associated erythema or pruritus",
            "Covering 10 - 30% BSA and associated with erythema or pruritus; limiting instrumental ADL",
            "Covering >30% BSA and associated with pruritus; limiting self care ADL",
            NA,
            NA,
        ),
    ),
    BuiltinTerm(
        10061103,
        INJURY,
        "Dermatitis radiation",
        (
            "Faint erythema or dry desquamation",
            "Moderate to brisk erythema; patchy moist desquamation, mostly confined to skin folds and creases; moderate "
            "edema",
            "Moist desquamation in areas other than skin folds and creases; bleeding induced by minor trauma or abrasion",
            "Life-threatening consequences; skin necrosis or ulceration of full thickness dermis; spontaneous bleeding "
            "from involved site; skin graft indicated",
            DEATH,
        ),
    ),
    # Endocrine
    BuiltinTerm(
        10021114,
        ENDOCRINE,
        "Hypothyroidism",
        (
            ASYMPTOMATIC,
            "Symptomatic; thyroid replacement indicated; limiting instrumental ADL",
            "Severe symptoms; limiting self care ADL; hospitalization indicated",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    BuiltinTerm(
        10020850,
        ENDOCRINE,
        "Hyperthyroidism",
        (
            ASYMPTOMATIC,
            "Symptomatic; thyroid suppression therapy indicated; limiting instrumental ADL",
            "Severe symptoms; limiting self care ADL; hospitalization indicated",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    BuiltinTerm(
        10062767,
        ENDOCRINE,
        "Hypophysitis",
        (
            "Asymptomatic or mild symptoms; clinical or diagnostic observations only; intervention not indicated",
            "Moderate; minimal, local or noninvasive intervention indicated; limiting age-appropriate instrumental ADL",
            "Severe or medically significant but not immediately life-threatening; hospitalization or prolongation of "
            "existing hospitalization indicated; limiting self care ADL",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    BuiltinTerm(
        10001367,
        ENDOCRINE,
        "Adrenal insufficiency",
        (
            ASYMPTOMATIC,
            "Moderate symptoms; medical intervention indicated",
            "Severe symptoms; hospitalization indicated",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    # Respiratory
    BuiltinTerm(
        10035742,
        RESPIRATORY,
        "Pneumonitis",
        (
            ASYMPTOMATIC,
            "Symptomatic; medical intervention indicated; limiting instrumental ADL",
            "Severe symptoms; limiting self care ADL; oxygen indicated",
            "Life-threatening respiratory compromise; urgent intervention indicated (e.g., tracheotomy or intubation)",
            DEATH,
        ),
    ),
    BuiltinTerm(
        10013963,
        RESPIRATORY,
        "Dyspnea",
        (
            "Shortness of breath with moderate exertion",
            "Shortness of breath with minimal exertion; limiting instrumental ADL",
            "Shortness of breath at rest; limiting self care ADL",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    BuiltinTerm(
        10011224,
        RESPIRATORY,
        "Cough",
        (
            "Mild symptoms; nonprescription intervention indicated",
            "Moderate symptoms, medical intervention indicated; limiting instrumental ADL",
            "Severe symptoms; limiting self care ADL",
            NA,
            NA,
        ),
    ),
    # Cardiac and vascular
    BuiltinTerm(
        10028606,
        CARDIAC,
        "Myocarditis",
        (
            NA,
            "Symptoms with moderate activity or exertion",
            "Severe with symptoms at rest or with minimal activity or exertion; intervention indicated; new onset of "
            "symptoms",
            "Life-threatening consequences; urgent intervention indicated (e.g., continuous IV therapy or mechanical "
            "hemodynamic support)",
            DEATH,
        ),
    ),
    BuiltinTerm(
        10021097,
        VASCULAR,
        "Hypotension",
        (
            "Asymptomatic, intervention not indicated",
            "Non-urgent medical intervention indicated",
            "Medical intervention indicated; hospitalization indicated",
            "Life-threatening consequences and urgent intervention indicated",
            DEATH,
        ),
    ),
    BuiltinTerm(
        10043565,
        VASCULAR,
        "Thromboembolic event",
        (
            "Medical intervention not indicated (e.g., superficial thrombosis)",
            "Medical intervention indicated",
            "Urgent medical intervention indicated (e.g., pulmonary embolism or intracardiac thrombus)",
            "Life-threatening consequences with hemodynamic or neurologic instability",
            DEATH,
        ),
    ),
    # Musculoskeletal
    BuiltinTerm(10003239, MUSCULOSKELETAL, "Arthralgia", (MILD_PAIN, MODERATE_PAIN, SEVERE_PAIN, NA, NA)),
    BuiltinTerm(10028411, MUSCULOSKELETAL, "Myalgia", (MILD_PAIN, MODERATE_PAIN, SEVERE_PAIN, NA, NA)),
    BuiltinTerm(
        10003246,
        MUSCULOSKELETAL,
        "Arthritis",
        (
            "Mild pain with inflammation, erythema, or joint swelling",
            "Moderate pain associated with signs of inflammation, erythema, or joint swelling; limiting instrumental ADL",
            "Severe pain associated with signs of inflammation, erythema, or joint swelling; irreversible joint damage; "
            "limiting self care ADL",
            NA,
            NA,
        ),
    ),
    BuiltinTerm(
        10028653,
        MUSCULOSKELETAL,
        "Myositis",
        (
            MILD_PAIN,
            "Moderate pain associated with weakness; pain limiting instrumental ADL",
            "Pain associated with severe weakness; limiting self care ADL",
            LIFE_THREATENING,
            NA,
        ),
    ),
    # Nervous system and ear
    BuiltinTerm(
        10034620,
        NERVOUS,
        "Peripheral sensory neuropathy",
        (
            "Asymptomatic",
            "Moderate symptoms; limiting instrumental ADL",
            "Severe symptoms; limiting self care ADL",
            LIFE_THREATENING,
            NA,
        ),
    ),
    BuiltinTerm(
        10034580,
        NERVOUS,
        "Peripheral motor neuropathy",
        (
            "Asymptomatic; clinical or diagnostic observations only",
            "Moderate symptoms; limiting instrumental ADL",
            "Severe symptoms; limiting self care ADL",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    BuiltinTerm(
        10013911,
        NERVOUS,
        "Dysgeusia",
        (
            "Altered taste but no change in diet",
            "Altered taste with change in diet (e.g., oral supplements); noxious or unpleasant taste; loss of taste",
            NA,
            NA,
            NA,
        ),
    ),
    BuiltinTerm(10019211, NERVOUS, "Headache", (MILD_PAIN, MODERATE_PAIN, SEVERE_PAIN, NA, NA)),
    BuiltinTerm(
        10013573,
        NERVOUS,
        "Dizziness",
        (
            "Mild unsteadiness or sensation of movement",
            "Moderate unsteadiness or sensation of movement; limiting instrumental ADL",
            "Severe unsteadiness or sensation of movement; limiting self care ADL",
            NA,
            NA,
        ),
    ),
    BuiltinTerm(
        10043882,
        EAR,
        "Tinnitus",
        (
            "Mild symptoms; intervention not indicated",
            "Moderate symptoms; limiting instrumental ADL",
            "Severe symptoms; limiting self care ADL",
            NA,
            NA,
        ),
    ),
    # Immune system, infusion and infection
    BuiltinTerm(
        10051792,
        INJURY,
        "Infusion related reaction",
        (
            "Mild transient reaction; infusion interruption not indicated; intervention not indicated",
            "Therapy or infusion interruption indicated but responds promptly to symptomatic treatment (e.g., "
            "antihistamines, NSAIDS, narcotics, IV fluids); prophylactic medications indicated for <=24 hrs",
            "Prolonged (e.g., not rapidly responsive to symptomatic medication and/or brief interruption of infusion); "
            "recurrence of symptoms following initial improvement; hospitalization indicated for clinical sequelae",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    BuiltinTerm(
        10001718,
        IMMUNE,
        "Allergic reaction",
        (
            "Systemic intervention not indicated",
            "Oral intervention indicated",
            "Bronchospasm; hospitalization indicated for clinical sequelae; intravenous intervention indicated",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    BuiltinTerm(
        10002218,
        IMMUNE,
        "Anaphylaxis",
        (
            NA,
            NA,
            "Symptomatic bronchospasm, with or without urticaria; parenteral intervention indicated; allergy-related "
            "edema/angioedema; hypotension",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    BuiltinTerm(
        10046571,
        INFECTIONS,
        "Urinary tract infection",
        (
            NA,
            "Localized; oral intervention indicated (e.g., antibiotic, antifungal, or antiviral)",
            "IV antibiotic, antifungal, or antiviral intervention indicated; invasive intervention indicated",
            LIFE_THREATENING,
            DEATH,
        ),
    ),
    # General
    BuiltinTerm(
        10016256,
        GENERAL,
        "Fatigue",
        (
            "Fatigue relieved by rest",
            "Fatigue not relieved by rest; limiting instrumental ADL",
            "Fatigue not relieved by rest, limiting self care ADL",
            NA,
            NA,
        ),
    ),
    BuiltinTerm(
        10016558,
        GENERAL,
        "Fever",
        (
            "38.0 - 39.0 degrees C (100.4 - 102.2 degrees F)",
            ">39.0 - 40.0 degrees C (102.3 - 104.0 degrees F)",
            ">40.0 degrees C (>104.0 degrees F) for <=24 hrs",
            ">40.0 degrees C (>104.0 degrees F) for >24 hrs",
            DEATH,
        ),
    ),
    BuiltinTerm(
        10008531,
        GENERAL,
        "Chills",
        (
            "Mild sensation of cold; shivering; chattering of teeth",
            "Moderate tremor of the entire body; narcotics indicated",
            "Severe or prolonged, not responsive to narcotics",
            NA,
            NA,
        ),
    ),
    BuiltinTerm(
        10025482,
        GENERAL,
        "Malaise",
        (
            "Uneasiness or lack of well being",
            "Uneasiness or lack of well being limiting instrumental ADL",
            "Uneasiness or lack of well being limiting self-care ADL",
            NA,
            NA,
        ),
    ),
    # Reproductive system (pelvic radiotherapy)
    BuiltinTerm(
        10046916,
        REPRODUCTIVE,
        "Vaginal inflammation",
        (
            "Mild discomfort or pain, edema, or redness",
            "Moderate discomfort or pain, edema, or redness; limiting instrumental ADL",
            "Severe discomfort or pain, edema, or redness; limiting self care ADL; small areas of mucosal ulceration",
            "Life-threatening consequences; widespread areas of mucosal ulceration; urgent intervention indicated",
            NA,
        ),
    ),
    BuiltinTerm(10046912, REPRODUCTIVE, "Vaginal hemorrhage", HEMORRHAGE),
)
