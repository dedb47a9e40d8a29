"""Enrich stage: item description -> Treatment. Tables of descriptions and the fields they must give."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import timeit
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from imrdb.enrich import (
    LexiconError,
    Treatment,
    classify,
    clear_cache,
    coverage,
    explain,
    format_report,
    lexicon_version,
    load_lexicon,
    reload_lexicon,
)
from imrdb.enrich.drugs import fuzzy_match
from imrdb.enrich.lexicon import DEFAULT_DIR, ENV_VAR
from imrdb.enrich.wordmatch import PatternShapeError, WordStartMatcher, split_alternatives

LEXICON = DEFAULT_DIR
DEV_FACTS = Path(__file__).resolve().parents[1].parent / "shared" / "real-letters" / "dev-facts.json"
SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


def data_rows(path: Path) -> list[dict[str, str]]:
    lines = [line for line in path.read_text().splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


# --------------------------------------------------------------------------- treatment categories

CATEGORIES = [
    # (description, category, subcategory)
    ("Associated surgical service: Cold therapy for one week", "Surgery", "Adjunct Surgical Services"),
    ("Associated surgical service: Physical Therapy sessions, 12", "Surgery", "Adjunct Surgical Services"),
    ("Associated surgical service: Shoulder Brace", "Surgery", "Adjunct Surgical Services"),
    ("Preoperative Medical Clearance", "Surgery", "Adjunct Surgical Services"),
    ("Pre-op labs: CBC", "Surgery", "Adjunct Surgical Services"),
    ("Pre-operative EKG", "Surgery", "Adjunct Surgical Services"),
    ("Pre-op chest x-ray", "Surgery", "Adjunct Surgical Services"),
    ("Assistant PA", "Surgery", "Adjunct Surgical Services"),
    ("Assistant surgeon", "Surgery", "Adjunct Surgical Services"),
    ("Post-op cold therapy unit rental 7 days", "Surgery", "Adjunct Surgical Services"),
    ("Inpatient stay 2 days", "Surgery", "Adjunct Surgical Services"),
    ("MRI of the lumbar spine without contrast", "Diagnostic Testing", "Imaging/Radiology"),
    ("MR Arthrogram of the right shoulder", "Diagnostic Testing", "Imaging/Radiology"),
    ("Retrospective CT scan of the cervical spine (DOS 11/18/16)", "Diagnostic Testing", "Imaging/Radiology"),
    ("X-rays lumbar spine", "Diagnostic Testing", "Imaging/Radiology"),
    ("Bone scan", "Diagnostic Testing", "Imaging/Radiology"),
    ("Diagnostic ultrasound of the left shoulder", "Diagnostic Testing", "Imaging/Radiology"),
    ("EMG/NCS of the bilateral upper extremities", "Diagnostic Testing", "EMG/NCV/NCS"),
    ("NCS/EMG RUE", "Diagnostic Testing", "EMG/NCV/NCS"),
    ("Nerve conduction studies right upper extremity", "Diagnostic Testing", "EMG/NCV/NCS"),
    ("Urine drug screen", "Diagnostic Testing", "Lab & Pathology"),
    ("Urine toxicology", "Diagnostic Testing", "Lab & Pathology"),
    ("Lab tests: CBC, CMP, liver panel", "Diagnostic Testing", "Lab & Pathology"),
    ("Genetic testing for narcotic risk", "Diagnostic Testing", "Lab & Pathology"),
    ("Functional capacity evaluation (FCE)", "Diagnostic Testing", "Other Diagnostic Tests"),
    ("Electrocardiogram times 3", "Diagnostic Testing", "Other Diagnostic Tests"),
    ("Sleep study", "Diagnostic Testing", "Other Diagnostic Tests"),
    ("Echocardiogram", "Diagnostic Testing", "Other Diagnostic Tests"),
    ("Trigger points impedance imaging (TPII)", "Diagnostic Testing", "Other Diagnostic Tests"),
    ("TENS unit", "DMEPOS", "Electrical Stimulation"),
    ("H-wave device 30 day home trial", "DMEPOS", "Electrical Stimulation"),
    ("Interferential unit rental for 1 month", "DMEPOS", "Electrical Stimulation"),
    ("TENS unit supplies: electrodes and batteries", "DMEPOS", "Supplies"),
    ("Thermacare heat wraps #30", "DMEPOS", "Supplies"),
    ("Bilateral hearing aids", "DMEPOS", "Prosthetics/Orthotics"),
    ("Back support", "DMEPOS", "Prosthetics/Orthotics"),
    ("Lumbar brace", "DMEPOS", "Prosthetics/Orthotics"),
    ("Knee brace", "DMEPOS", "Prosthetics/Orthotics"),
    ("Custom foot orthotics", "DMEPOS", "Prosthetics/Orthotics"),
    ("Hot/cold therapy wrap", "DMEPOS", "DME"),
    ("Custom touch back heat therapy pad", "DMEPOS", "DME"),
    ("Hospital bed for an unspecified rental", "DMEPOS", "DME"),
    ("Cervical traction unit", "DMEPOS", "DME"),
    ("Single point cane", "DMEPOS", "DME"),
    ("Four-wheeled walker", "DMEPOS", "DME"),
    ("Wheelchair", "DMEPOS", "DME"),
    ("CPM machine for 21 days", "DMEPOS", "DME"),
    ("Pneumatic compression device for DVT prophylaxis", "DMEPOS", "DME"),
    ("Follow up office visit times 2", "Evaluation & Management", "Medical Specialties"),
    ("Pain management consultation", "Evaluation & Management", "Medical Specialties"),
    ("Orthopedic consultation", "Evaluation & Management", "Medical Specialties"),
    ("Internal medicine consultation", "Evaluation & Management", "Medical Specialties"),
    ("Dental treatment", "Evaluation & Management", "Dental Services"),
    ("Home health aide 4 hours per day, 5 days per week", "Home Health", "Home Health"),
    ("Facet joint injections L4-5, L5-S1", "Injection", "Facet Injection"),
    ("Medial branch block L3-4, L4-5", "Injection", "Facet Injection"),
    ("Radiofrequency ablation right L4-5, L5-S1", "Injection", "Facet Injection"),
    ("Epidural steroid injection at L4-5", "Injection", "Injection"),
    ("Trigger point injections x 4", "Injection", "Injection"),
    ("Platelet-rich plasma injection to the right knee", "Injection", "Injection"),
    ("Synvisc injections x 3 right knee", "Injection", "Injection"),
    ("Cortisone injection left shoulder", "Injection", "Injection"),
    ("Retrospective injection 5cc of lidocaine hcl 1percent to the right knee", "Injection", "Injection"),
    ("Functional restoration program 160 hours", "Programs", "Functional Restoration"),
    ("Weight loss program", "Programs", "Weight Loss"),
    ("Gym membership for 6 months", "Programs", "Gym Membership"),
    ("Partial Hospitalization day treatment", "Programs", "Partial Hospitalization"),
    ("Work conditioning 12 sessions", "Programs", "Other Programs"),
    ("Comprehensive psychological testing", "Psych Services", "Evaluation & Management"),
    ("Psychiatric consultation", "Psych Services", "Evaluation & Management"),
    ("Cognitive behavioral therapy 10 sessions", "Psych Services", "Therapies"),
    ("Biofeedback 6 sessions", "Psych Services", "Therapies"),
    ("Acupuncture 3 times a week for 2 weeks, neck, right hand and head", "Rehabilitation", "Acupuncture"),
    ("Twelve acupuncture visits with Capsaicin patch, 2 times weekly for 6 weeks", "Rehabilitation", "Acupuncture"),
    ("Chiropractic physiotherapy treatment 6 visits", "Rehabilitation", "Chiropractic"),
    ("Physical therapy right knee 3 times a week for 1 week", "Rehabilitation", "Physical Therapy/Occupational Therapy (PT/OT)"),
    ("Post-op physical therapy 12 sessions", "Rehabilitation", "Physical Therapy/Occupational Therapy (PT/OT)"),
    ("Aquatic therapy 8 sessions", "Rehabilitation", "Physical Therapy/Occupational Therapy (PT/OT)"),
    ("Massage therapy 6 sessions", "Rehabilitation", "Other Therapies"),
    ("Extracorporeal shockwave therapy (ESWT)", "Rehabilitation", "Other Therapies"),
    ("Localized intense neurostimulation therapy [following TPII]", "Rehabilitation", "Other Therapies"),
    ("Right shoulder arthroscopy with subacromial decompression, acromioplasty, Mumford, rotator cuff repair "
     "and shoulder debridement", "Surgery", "Arthroscopic Surgery"),
    ("Right knee arthroscopy with partial medial meniscectomy", "Surgery", "Arthroscopic Surgery"),
    ("Right knee ACL reconstruction", "Surgery", "Arthroscopic Surgery"),
    ("L4-S1 posterior lumbar interbody fusion", "Surgery", "Spine"),
    ("Lumbar laminectomy L4-5", "Surgery", "Spine"),
    ("L4-5 microdiscectomy", "Surgery", "Spine"),
    ("Spinal cord stimulator trial", "Surgery", "Spine"),
    ("Right carpal tunnel release", "Surgery", "Non-arthroscopic Surgery"),
    ("Left total knee replacement", "Surgery", "Non-arthroscopic Surgery"),
    ("Orthopedic surgeon consultation for the right knee", "Surgery", "Surgical Consult"),
    ("Hyperbaric oxygen therapy", "Therapies", "Other Therapies"),
    ("Transportation to/from all medical appointments", "Transportation", None),
    # drugs: the subcategory is the drug class
    ("Soma 350MG #60", "Pharmaceuticals", "Muscle Relaxant"),
    ("Retro medrol dose pack", "Pharmaceuticals", "Adrenal Cortical Steroids"),
    ("Post-op Norco 5/325mg #60, 1-2 tabs orally every 4-6 hrs as needed", "Pharmaceuticals", "Opioids"),
    ("Lovenox 40mg #14", "Pharmaceuticals", "Anticoagulant"),
    ("Opioid medication", "Pharmaceuticals", "Opioids"),
    ("Unknown compounded topical cream", "Pharmaceuticals", None),
]


@pytest.mark.parametrize("description,category,subcategory", CATEGORIES)
def test_treatment_category(description, category, subcategory):
    treatment = classify(description)
    assert (treatment.treatment_category, treatment.treatment_subcategory) == (category, subcategory)


def _rules_and_examples():
    document = yaml.safe_load((LEXICON / "treatments.yaml").read_text())
    for rule in document["rules"]:
        for example in rule.get("examples", []):
            yield pytest.param(rule, example, id=f"{rule['name']}:{example[:40]}")


@pytest.mark.parametrize("rule,example", list(_rules_and_examples()))
def test_treatment_rule_examples(rule, example):
    """Every example written beside a rule in treatments.yaml classifies to that rule's category."""
    treatment = classify(example)
    assert treatment.treatment_category == rule["category"]
    if rule["category"] != "Pharmaceuticals" or rule.get("subcategory"):
        assert treatment.treatment_subcategory == rule.get("subcategory")


def test_non_drug_items_get_no_drug():
    for description in ("MRI of the lumbar spine", "TENS unit", "Twelve acupuncture visits with Capsaicin patch"):
        treatment = classify(description)
        assert treatment.drug_name is None and treatment.drug_class is None and treatment.ingredients == ()


def test_injection_names_its_drug():
    treatment = classify("Kenalog 40mg injection right knee")
    assert (treatment.treatment_category, treatment.drug_name, treatment.drug_class) == (
        "Injection", "triamcinolone", "Adrenal Cortical Steroids")


# --------------------------------------------------------------------------- drugs

DRUGS = [
    # (description, drug_name, drug_class)
    ("Soma 350MG #60", "carisoprodol", "Muscle Relaxant"),
    ("Carisoprodol 350mg TA #120 with 3 refills QTY:480", "carisoprodol", "Muscle Relaxant"),
    ("Norco 10/325mg #35", "hydrocodone/acetaminophen", "Opioids"),
    ("Hydrocodone/APAP 10/325 mg, 120 count", "hydrocodone/acetaminophen", "Opioids"),
    ("Hydrocodone 10/325mg #120", "hydrocodone/acetaminophen", "Opioids"),
    ("Norco (hydrocodone/APAP) 10/325 #90", "hydrocodone/acetaminophen", "Opioids"),
    ("Percocet 10/325 mg 30", "oxycodone/acetaminophen", "Opioids"),
    ("Vicodin ES #60", "hydrocodone/acetaminophen", "Opioids"),
    ("Ultram (tramadol) 50mg #90", "tramadol", "Opioids"),
    ("Ultracet 37.5/325mg #60", "tramadol/acetaminophen", "Opioids"),
    ("Tramadol ER 150mg #30", "tramadol", "Opioids"),
    ("Nucynta ER 100mg #60", "tapentadol", "Opioids"),
    ("OxyContin 20mg #60", "oxycodone", "Opioids"),
    ("MS Contin 30mg #60", "morphine", "Opioids"),
    ("Butrans patch 10mcg/hr #4", "buprenorphine", "Opioids"),
    ("Fentanyl patch 25mcg/hr #10", "fentanyl", "Opioids"),
    ("Tylenol #3 #60", "acetaminophen/codeine", "Opioids"),
    ("one month supply of Trezix capsule 30.5/30/16mg", "acetaminophen/caffeine/dihydrocodeine", "Opioids"),
    ("Flexeril 10mg #30", "cyclobenzaprine", "Muscle Relaxant"),
    ("Fexmid 7.5mg #60", "cyclobenzaprine", "Muscle Relaxant"),
    ("Lorzone 750mg #60", "chlorzoxazone", "Muscle Relaxant"),
    ("Norflex ER 100mg #60", "orphenadrine", "Muscle Relaxant"),
    ("Zanaflex 4mg #90", "tizanidine", "Muscle Relaxant"),
    ("Baclofen 10mg #90", "baclofen", "Muscle Relaxant"),
    ("Skelaxin 800mg #60", "metaxalone", "Muscle Relaxant"),
    ("Robaxin 750mg #90", "methocarbamol", "Muscle Relaxant"),
    ("Xanax 2 mg #90", "alprazolam", "Benzodiazepines"),
    ("Valium 10 mg #30", "diazepam", "Benzodiazepines"),
    ("Ativan 1mg #30", "lorazepam", "Benzodiazepines"),
    ("Klonopin 0.5mg #60", "clonazepam", "Benzodiazepines"),
    ("Motrin 800mg #90", "ibuprofen", "NSAID"),
    ("Two refills of Ibuprofen 600mg #90", "ibuprofen", "NSAID"),
    ("Anaprox DS 550mg #60", "naproxen", "NSAID"),
    ("Naproxen sodium 550mg #60", "naproxen", "NSAID"),
    ("Three refills of Voltaren 75mg #60", "diclofenac", "NSAID"),
    ("Diclofenac/misoprostol 75-0.2mg #60 with 2 refills", "diclofenac/misoprostol", "NSAID"),
    ("Celebrex 200mg #30", "celecoxib", "NSAID"),
    ("Meloxicam (Mobic) 7.5mg #30", "meloxicam", "NSAID"),
    ("Etodolac", "etodolac", "NSAID"),
    ("Nabumetone 750mg #60", "nabumetone", "NSAID"),
    ("Prilosec 20mg #90", "omeprazole", "Proton Pump Inhibitors"),
    ("Nexium 40mg #30", "esomeprazole", "Proton Pump Inhibitors"),
    ("Pantoprazole sodium 20mg #60", "pantoprazole", "Proton Pump Inhibitors"),
    ("Protonix 20mg #60", "pantoprazole", "Proton Pump Inhibitors"),
    ("Zantac 150mg", "ranitidine", "H2 Blocker"),
    ("Retrospective Famotidine 20mg #60, per 01/05/2016 order", "famotidine", "H2 Blocker"),
    ("Lidocaine patch", "lidocaine", "Topical Analgesics"),
    ("Lidoderm 5% patch #30", "lidocaine", "Topical Analgesics"),
    ("Terocin patches #30", "methyl salicylate/capsaicin/menthol/lidocaine", "Topical Analgesics"),
    ("Flector 1.3% transdermal patch", "diclofenac", "Topical Analgesics"),
    ("Voltaren gel 1% 100g", "diclofenac", "Topical Analgesics"),
    ("Retrospective Lidopro 4%-27.5%-0.0325% 121gm #1", "capsaicin/lidocaine/menthol/methyl salicylate",
     "Topical Analgesics"),
    ("Zofran 8mg #10", "ondansetron", "Antiemetic"),
    ("Ondansetron ODT 4mg #20", "ondansetron", "Antiemetic"),
    ("Viagra 100mg #10", "sildenafil", "Impotence Agents"),
    ("Cialis 5mg #30", "tadalafil", "Impotence Agents"),
    ("Retro medrol dose pack", "methylprednisolone", "Adrenal Cortical Steroids"),
    ("Prednisone 10mg #21", "prednisone", "Adrenal Cortical Steroids"),
    ("Ambien 10mg #30", "zolpidem", "Sedative-hypnotics"),
    ("Lunesta 3mg #30", "eszopiclone", "Sedative-hypnotics"),
    ("Neurontin 600mg #90", "gabapentin", "Anti-epilepsy drugs"),
    ("Lyrica 75mg #60", "pregabalin", "Anti-epilepsy drugs"),
    ("Topamax 25mg #60", "topiramate", "Anti-epilepsy drugs"),
    ("Cymbalta 60mg #30", "duloxetine", "Antidepressant"),
    ("Elavil 25mg #30", "amitriptyline", "Antidepressant"),
    ("Trazodone 50mg #30", "trazodone", "Antidepressant"),
    ("Bupropion HCL 150mg #90", "bupropion", "Antidepressant"),
    ("Wellbutrin XL 150mg #30", "bupropion", "Antidepressant"),
    ("Venlafaxine HCL ER 37.5mg #90", "venlafaxine", "Antidepressant"),
    ("Effexor XR 75mg #30", "venlafaxine", "Antidepressant"),
    ("Prozac 20mg #30", "fluoxetine", "Antidepressant"),
    ("Zoloft 50mg #30", "sertraline", "Antidepressant"),
    ("Provigil 200mg #30", "modafinil", "Stimulants"),
    ("Adderall 20mg #60", "amphetamine/dextroamphetamine", "Stimulants"),
    ("Post-op Colace 100mg #60, 1 tablet by mouth as needed", "docusate", "Laxative/Stool softener"),
    ("Senokot-S #60", "senna/docusate", "Laxative/Stool softener"),
    ("Theramine #120", "theramine", "Medical Food"),
    ("Sentra PM #60", "sentra pm", "Medical Food"),
    ("Omega-3 fish oil 1000mg #60", "omega-3 fatty acids", "Vitamins/Supplements"),
    ("Fioricet #120", "butalbital/acetaminophen/caffeine", "Barbiturate-containing analgesic"),
    ("Dicopanol (unknown quantity)", "diphenhydramine", "Antihistamine"),
    ("Suboxone 8/2mg film #30", "buprenorphine/naloxone", "Opioids"),
    ("Keflex 500mg #28", "cephalexin", "Antibiotic"),
    # California workers' comp compounds and kits
    ("Synapryn (unknown quantity)", "tramadol/glucosamine", "Opioids"),
    ("Tabradol (unknown quantity)", "cyclobenzaprine/methylsulfonylmethane", "Muscle Relaxant"),
    ("Deprizine (unknown quantity)", "ranitidine", "H2 Blocker"),
    ("Fanatrex (unknown quantity)", "gabapentin", "Anti-epilepsy drugs"),
    ("Ketophene (unknown quantity)", "ketoprofen", "Topical Compounds"),
    ("Cyclophene 5% cream 60gm", "cyclobenzaprine", "Topical Compounds"),
    ("Ketoprofen 20% in cream base 240g", "ketoprofen", "Topical Compounds"),
    ("Cyclobenzaprine 5% in cream base 240g", "cyclobenzaprine", "Topical Compounds"),
    ("Flurbiprofen 20% cream 120gm", "flurbiprofen", "Topical Compounds"),
    ("One container of Flurbiprofen 10%, Cyclobenzaprine 3%, Gabapentin 6%, Lidocaine 5%/Dextromethorphan",
     "cyclobenzaprine/dextromethorphan/flurbiprofen/gabapentin/lidocaine", "Topical Compounds"),
    ("Compounded cream: ketoprofen 10%, gabapentin 6%, lidocaine 5%", "gabapentin/ketoprofen/lidocaine",
     "Topical Compounds"),
    ("Dextromethorphan 5%/Amitriptyline 5%/Lidocaine/Capsaicin 0.025%, 120grams #1",
     "amitriptyline/capsaicin/dextromethorphan/lidocaine", "Topical Compounds"),
    # misspellings: exact rows and the fuzzy fallback
    ("Carsoprodol 350 mg, ninety count", "carisoprodol", "Muscle Relaxant"),
    ("Cyclobenzeprine 7.5mg #60", "cyclobenzaprine", "Muscle Relaxant"),
    ("Gabapenten 600mg #90", "gabapentin", "Anti-epilepsy drugs"),
    ("Naproxin 550mg #60", "naproxen", "NSAID"),
    ("Flexaril 10mg #30", "cyclobenzaprine", "Muscle Relaxant"),
]


@pytest.mark.parametrize("description,drug_name,drug_class", DRUGS)
def test_drug(description, drug_name, drug_class):
    treatment = classify(description)
    assert treatment.treatment_category == "Pharmaceuticals"
    assert (treatment.drug_name, treatment.drug_class) == (drug_name, drug_class)
    assert treatment.treatment_subcategory == drug_class
    assert treatment.ingredients == tuple(drug_name.split("/"))


def _lexicon_rows():
    for filename in ("drugs.csv", "compounds.csv"):
        for row in data_rows(LEXICON / filename):
            yield pytest.param(row, id=f"{filename}:{row['name']}")


@pytest.mark.parametrize("row", list(_lexicon_rows()))
def test_every_lexicon_name_classifies_to_its_own_row(row):
    """Each name in drugs.csv / compounds.csv, alone, gives its row's generic and class."""
    treatment = classify(row["name"])
    assert treatment.drug_name == row["generic"].lower()
    assert treatment.drug_class == row["drug_class"]


def test_lexicon_classes_are_declared():
    classes = {row["drug_class"] for row in data_rows(LEXICON / "drug_classes.csv")}
    for filename in ("drugs.csv", "compounds.csv"):
        assert {row["drug_class"] for row in data_rows(LEXICON / filename)} <= classes
    assert {row["topical_class"] for row in data_rows(LEXICON / "topical.csv")} <= classes


# --------------------------------------------------------------------------- fuzzy fallback

def test_fuzzy_fallback_finds_a_misspelt_drug():
    explanation = explain("Carsoprodol 350 mg, ninety count")
    treatment = explanation.treatment
    assert (treatment.drug_name, treatment.drug_class, treatment.quantity) == ("carisoprodol", "Muscle Relaxant", 90)
    assert explanation.fuzzy and explanation.fuzzy[0][:2] == ("carsoprodol", "carisoprodol")


@pytest.mark.parametrize(
    "word",
    [
        # short words (under 6 letters) never fuzzy-match, even one letter from a drug name
        "some", "soma", "norc", "mobi", "xanx", "cold", "heat", "unit", "knee", "ultra",
        # ordinary English and clinical words near drug names
        "ambient", "lyrical", "concert", "aspiring", "dilation", "dolphin", "methane", "lactose",
        "insulting", "contrast", "lumbar", "without", "bilateral", "therapy", "physical", "medical",
        "tablets", "capsule", "compound", "topical", "retrospective", "unknown", "quantity",
        "container", "hospital", "clearance", "injection", "arthroscopy", "decompression",
        "acupuncture", "chiropractic", "transportation", "evaluation", "consultation",
    ],
)
def test_fuzzy_fallback_never_matches_ordinary_words(word):
    assert fuzzy_match(load_lexicon(), word) is None


@pytest.mark.parametrize(
    "description",
    ["Ambient temperature", "Lyrical ballad", "Concert tickets", "Some rest", "Soothing music", "Stress ball"],
)
def test_ordinary_descriptions_are_not_drugs(description):
    assert classify(description).drug_name is None


def test_stop_words_are_all_unknown_to_fuzzy_matching():
    lexicon = load_lexicon()
    for word in lexicon.fuzzy_stopwords:
        assert fuzzy_match(lexicon, word) is None


# --------------------------------------------------------------------------- amounts and flags

AMOUNTS = [
    # (description, strength, dosage_form, quantity, quantity_unit, refills, is_retrospective)
    ("Soma 350MG #60", "350 mg", "tablet", 60, "count", None, False),
    ("Retro Soma 350mg #90", "350 mg", "tablet", 90, "count", None, True),
    ("Carisoprodol 350mg TA #120 with 3 refills QTY:480", "350 mg", "tablet", 480, "count", 3, False),
    ("Carsoprodol 350 mg, ninety count", "350 mg", None, 90, "count", None, False),
    ("Hydrocodone/APAP 10/325 mg, 120 count", "10/325 mg", None, 120, "count", None, False),
    ("Norco 10/325mg #35", "10/325 mg", "tablet", 35, "count", None, False),
    ("Percocet 10/325 mg 30", "10/325 mg", "tablet", 30, "count", None, False),
    ("Two refills of Ibuprofen 600mg #90", "600 mg", None, 90, "count", 2, False),
    ("Ibuprofen 600mg #90 with 2 refill", "600 mg", None, 90, "count", 2, False),
    ("Percocet 5/325mg #30 with one refill", "5/325 mg", "tablet", 30, "count", 1, False),
    ("Meloxicam 15mg #30 with no refills", "15 mg", None, 30, "count", 0, False),
    ("Diclofenac/misoprostol 75-0.2mg #60 with 2 refills", "75-0.2 mg", None, 60, "count", 2, False),
    ("Venlafaxine HCL ER 37.5mg #90", "37.5 mg", None, 90, "count", None, False),
    ("one month supply of Trezix capsule 30.5/30/16mg", "30.5/30/16 mg", "capsule", 1, "month", None, False),
    ("Retro medrol dose pack", None, "dose pack", None, None, None, True),
    ("Lidocaine patch", None, "patch", None, None, None, False),
    ("Flector 1.3% transdermal patch", "1.3%", "patch", None, None, None, False),
    ("Butrans patch 10mcg/hr #4", "10 mcg/hr", "patch", 4, "count", None, False),
    ("Ketoprofen 20% in cream base 240g", "20%", "cream", 240, "g", None, False),
    ("Lidoderm 5% patch #1 box", "5%", "patch", 1, "box", None, False),
    ("Retrospective Lidopro 4%-27.5%-0.0325% 121gm #1, per 01/05/2016 order", "4%-27.5%-0.0325%", "ointment", 1,
     "count", None, True),
    ("Retrospective Cyclobenzaprine 7.5mg #18, per 01/05/2016 order", "7.5 mg", None, 18, "count", None, True),
    ("One container of Flurbiprofen 10%, Cyclobenzaprine 3%, Gabapentin 6%, Lidocaine 5%/Dextromethorphan",
     "10%/3%/6%/5%", None, 1, "container", None, False),
    ("Synapryn 10mg/ml oral suspension 500ml", "10 mg/ml", "suspension", 500, "ml", None, False),
    ("Post-op Norco 5/325mg #60, 1-2 tabs orally every 4-6 hrs as needed", "5/325 mg", "tablet", 60, "count", None,
     False),
    ("Norco 10/325 mg 1 tablet by mouth twice daily", "10/325 mg", "tablet", None, None, None, False),
    ("Gabapentin 600mg 90 tablets", "600 mg", "tablet", 90, "count", None, False),
    ("Tramadol 50mg #60 (DOS: 11/11/2016)", "50 mg", None, 60, "count", None, True),
    ("Tramadol 50mg #60, date of service 11/11/2016", "50 mg", None, 60, "count", None, True),
    ("Retroactive request for Xanax 1mg #30", "1 mg", "tablet", 30, "count", None, True),
]


@pytest.mark.parametrize("description,strength,dosage_form,quantity,unit,refills,retro", AMOUNTS)
def test_amounts(description, strength, dosage_form, quantity, unit, refills, retro):
    treatment = classify(description)
    assert treatment.strength == strength
    assert treatment.dosage_form == dosage_form
    assert (treatment.quantity, treatment.quantity_unit) == (quantity, unit)
    assert treatment.refills == refills
    assert treatment.is_retrospective is retro


SERVICE_QUANTITIES = [
    # (description, quantity, quantity_unit)
    ("Acupuncture 3 times a week for 2 weeks, neck, right hand and head", 6, "session"),
    ("Physical therapy two times a week for three weeks for lumbar", 6, "session"),
    ("Physical therapy 1 times 6 for the head", 6, "session"),
    ("Chiropractic treatment 2x4 lumbar spine", 8, "session"),
    ("Twelve manual acupuncture visits (15 mins), 2 times weekly for 6 weeks", 12, "visit"),
    ("Six physical therapy sessions two times a week for three weeks", 6, "session"),
    ("Chiropractic physiotherapy treatment 6 visits", 6, "visit"),
    ("Acupuncture therapy sessions lumbar spine #6", 6, "session"),
    ("Associated surgical service: Physical Therapy sessions, 12", 12, "session"),
    ("Follow up office visit times 2", 2, "visit"),
    ("Electrocardiogram times 3", 3, "count"),
    ("NCV bilateral lower extremities QTY: 2", 2, "count"),
    ("Associated surgical service: Cryotherapy unit, seven day use", 7, "day"),
    ("Associated surgical service: Cold therapy for one week", 1, "week"),
    ("Functional restoration program 160 hours", 160, "hour"),
    ("Gym membership for 6 months", 6, "month"),
    ("Physical therapy weekly for 6 weeks", 6, "session"),
    ("Acupuncture x 6", 6, "session"),
    ("Functional restoration program x 80 hours", 80, "hour"),
    ("Trigger point injections x 4", 4, "count"),
    ("Urine drug test x 4 per year", 4, "count"),
    ("Psychotherapy twice a week for 4 weeks", 8, "session"),
    ("MRI of the lumbosacral spine without contrast, 1.5 Tesla or higher only", None, None),
    ("Facet joint injections L4-5, L5-S1", None, None),
    ("Retrospective CT scan of the cervical spine (DOS 11/18/16)", None, None),
]


@pytest.mark.parametrize("description,quantity,unit", SERVICE_QUANTITIES)
def test_service_quantities(description, quantity, unit):
    treatment = classify(description)
    assert (treatment.quantity, treatment.quantity_unit) == (quantity, unit)


@pytest.mark.parametrize(
    "description,retro",
    [
        ("Retro Norco 10/325mg #90", True),
        ("Retrospective CT scan of the cervical spine (DOS 11/18/16)", True),
        ("Urine drug screen DOS: 11/11/2016", True),
        ("Physical therapy, date of service 1/5/2016", True),
        ("Toradol injection administered on 3/3/2016", True),
        ("Norco 10/325mg #90", False),
        ("Retrolisthesis evaluation", False),
    ],
)
def test_retrospective(description, retro):
    assert classify(description).is_retrospective is retro


# --------------------------------------------------------------------------- body regions

REGIONS = [
    ("MRI of the lumbar spine without contrast", "lumbar spine"),
    ("MRI of the lumbar without contrast", "lumbar spine"),
    ("Lumbar MRI scan", "lumbar spine"),
    ("MRI of the lumbosacral spine without contrast", "lumbar spine"),
    ("Physical therapy 2 times a week for 6 weeks low back", "lumbar spine"),
    ("Facet joint injections L4-5, L5-S1", "lumbar spine"),
    ("MRI of neck and right hand without contrast", "cervical spine"),
    ("Anterior cervical discectomy and fusion C5-6", "cervical spine"),
    ("MRI of the thoracic spine", "thoracic spine"),
    ("Kyphoplasty T12", "thoracic spine"),
    ("MRI of the right knee without contrast", "knee"),
    ("Right knee ACL reconstruction", "knee"),
    ("MRI of the left shoulder", "shoulder"),
    ("Left shoulder arthroscopic rotator cuff repair", "shoulder"),
    ("MRI without contrast of the right hip", "hip"),
    ("MRI of the fingers of the right hand without contrast", "wrist/hand"),
    ("Right carpal tunnel release", "wrist/hand"),
    ("Left cubital tunnel release", "elbow"),
    ("PRP injection right elbow", "elbow"),
    ("MRI of the right foot", "ankle/foot"),
    ("Removal of hardware right ankle", "ankle/foot"),
    ("CT scan of head", "head"),
    ("EMG/NCS of the bilateral upper extremities", "upper extremities"),
    ("NCS/EMG RUE", "upper extremities"),
    ("MRI of Left lower extremity without contrast", "lower extremities"),
    ("EMG bilateral lower extremities", "lower extremities"),
    ("Pre-op chest x-ray", "chest"),
    ("X-ray L/S spine", "lumbar spine"),
    ("Sacroiliac joint injection right", "sacroiliac joint"),
    ("Back support", "lumbar spine"),
    ("TENS unit", None),
    ("Soma 350mg #60", None),
    ("Headache evaluation", None),
]


@pytest.mark.parametrize("description,region", REGIONS)
def test_body_region(description, region):
    assert classify(description).body_region == region


# --------------------------------------------------------------------------- the real dev items

def _dev_descriptions() -> list[str]:
    if not DEV_FACTS.exists():
        pytest.skip(f"{DEV_FACTS} not found: the shared real-letter facts sit beside the repository, at ../shared")
    facts = json.loads(DEV_FACTS.read_text())
    return [item["description"] for case in facts.values() for item in case["items"]]


def test_every_dev_description_is_categorized():
    descriptions = _dev_descriptions()
    assert len(descriptions) >= 136
    report = coverage(descriptions)
    assert report.uncategorized == [], format_report(report)
    assert report.categorized == report.total
    assert report.pharmaceutical_with_drug == report.pharmaceutical, format_report(report)
    assert report.pharmaceutical_with_class == report.pharmaceutical


def test_every_seed_heading_is_categorized():
    if not SEEDS.exists():
        pytest.skip(f"{SEEDS} not found: the seed letters sit beside the repository, at ../shared")
    headings = []
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text(errors="replace").splitlines():
            match = re.match(r"\s*\**(.+?):\**\s*(Upheld|Overturned)\s*$", line)
            if match:
                headings.append(match.group(1).strip("* "))
    assert headings
    for heading in headings:
        treatment = classify(heading)
        assert treatment.treatment_category == "Pharmaceuticals", heading
        assert treatment.drug_name and treatment.drug_class, heading


# --------------------------------------------------------------------------- coverage report

def test_coverage_counts_and_lists_misses_most_frequent_first():
    report = coverage(["Norco 10/325 #90", "Norco 10/325 #90", "Zzyzx gizmo", "Qwerty thing", "Qwerty thing",
                       "Unknown medication 10mg #30", "MRI of the knee"])
    assert (report.total, report.categorized, report.pharmaceutical) == (7, 4, 3)
    assert (report.pharmaceutical_with_drug, report.pharmaceutical_with_class) == (2, 2)
    assert report.uncategorized == [("Qwerty thing", 2), ("Zzyzx gizmo", 1)]
    assert report.unnamed_drugs == [("Unknown medication 10mg #30", 1)]
    assert report.lexicon_version == lexicon_version()
    text = format_report(report)
    assert "Items:" in text and "Qwerty thing" in text and "Pharmaceuticals" in text


# --------------------------------------------------------------------------- lexicon loading

def test_lexicon_version_is_a_stable_hash():
    assert re.fullmatch(r"[0-9a-f]{16}", lexicon_version())
    assert lexicon_version() == lexicon_version()


ENRICHMENT_CASES = [
    # (description, (treatment_category, drug_name, strength, quantity, quantity_unit))
    ("Retro Soma 350mg #90", ("Pharmaceuticals", "carisoprodol", "350 mg", 90.0, "count")),
    ("Physical therapy 2 times a week for 4 weeks", ("Rehabilitation", None, None, 8.0, "session")),
]


@pytest.mark.parametrize("description,expected", ENRICHMENT_CASES)
def test_item_enrichment_columns(description, expected):
    from imrdb.rows import enrichment

    columns = enrichment(description)
    assert tuple(columns[name] for name in ("treatment_category", "drug_name", "strength", "quantity",
                                            "quantity_unit")) == expected
    assert columns["lexicon_version"] == lexicon_version()
    assert enrichment(description, lexicon_version()) == columns  # the letter's version, looked up once


def test_lexicon_version_ignores_the_readme(lexicon_copy):
    before = lexicon_version()
    with open(lexicon_copy / "README.md", "a") as handle:
        handle.write("\nA curator's note.\n")
    reload_lexicon()
    assert lexicon_version() == before


@pytest.fixture
def lexicon_copy(tmp_path, monkeypatch):
    copy = tmp_path / "lexicon"
    shutil.copytree(LEXICON, copy)
    monkeypatch.setenv(ENV_VAR, str(copy))
    reload_lexicon()
    clear_cache()
    yield copy
    monkeypatch.delenv(ENV_VAR)
    reload_lexicon()
    clear_cache()


def test_a_curator_adds_a_drug_without_touching_code(lexicon_copy):
    before = lexicon_version()
    assert classify("Zorbatrex 10mg #30").drug_name is None
    with open(lexicon_copy / "drugs.csv", "a") as handle:
        handle.write("Zorbatrex,zorbatrexine,Opioids,tablet,test row\n")
    reload_lexicon()
    assert lexicon_version() != before
    treatment = classify("Zorbatrex 10mg #30")
    assert (treatment.drug_name, treatment.drug_class, treatment.dosage_form) == ("zorbatrexine", "Opioids", "tablet")


def test_an_unknown_drug_class_is_rejected_with_its_line(lexicon_copy):
    with open(lexicon_copy / "drugs.csv", "a") as handle:
        handle.write("Zorbatrex,zorbatrexine,Opiods,,typo in the class\n")
    with pytest.raises(LexiconError, match=r"drugs\.csv:\d+: unknown drug_class 'Opiods'"):
        reload_lexicon()


def test_a_rule_that_cannot_start_a_word_is_rejected(lexicon_copy):
    path = lexicon_copy / "treatments.yaml"
    path.write_text(path.read_text().replace(r"'\btransport\w*", r"'.*transport\w*"))
    with pytest.raises(LexiconError, match="transportation"):
        reload_lexicon()


def test_missing_lexicon_folder_says_what_to_set(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nowhere"))
    try:
        with pytest.raises(LexiconError, match=ENV_VAR):
            reload_lexicon()
    finally:
        monkeypatch.delenv(ENV_VAR)
        reload_lexicon()


# --------------------------------------------------------------------------- the word-start matcher

def test_word_start_matcher_agrees_with_trying_each_rule_in_turn():
    lexicon = load_lexicon()
    naive = [re.compile(rf"(?:^|\b)(?:{rule.pattern})", re.DOTALL) for rule in lexicon.rules]
    descriptions = [row[0] for row in CATEGORIES + REGIONS] + [row[0] for row in DRUGS + AMOUNTS]
    try:
        descriptions += _dev_descriptions()
    except pytest.skip.Exception:
        pass
    from imrdb.enrich.patterns import normalize

    for description in descriptions:
        text = normalize(description)
        expected = next((i for i, regex in enumerate(naive) if regex.search(text)), None)
        assert lexicon.rule_matcher.first_pattern(text) == expected, description


WORD_START_CASES = [
    # (patterns, text, first pattern matching anywhere, (pattern, matched text) at the leftmost word start)
    ([r"\bpatch(es)?\b", r"\bpa(in)\b", r"\bpa"], "lidocaine patches #30", 0, (0, "patches")),
    ([r"\bpa(in)\b", r"\b(lido)(caine)"], "lidocaine for pain", 0, (1, "lidocaine")),  # groups of their own
    ([r"\bknee\b|\bhip\b", r"\bhip"], "hip and knee", 0, (0, "hip")),
    ([r"\bx(?=y)", r"\bxz"], "xz", 1, (1, "xz")),
]


@pytest.mark.parametrize("patterns,text,first,leftmost", WORD_START_CASES)
def test_word_start_matcher(patterns, text, first, leftmost):
    matcher = WordStartMatcher(patterns)
    assert matcher.first_pattern(text) == first
    index, match = matcher.leftmost(text)
    assert (index, match.group()) == leftmost


def test_split_alternatives_respects_groups_and_classes():
    assert split_alternatives(r"\ba(b|c)\b|[|x]y|\(z\)|w") == [r"\ba(b|c)\b", "[|x]y", r"\(z\)", "w"]


def test_word_start_matcher_rejects_patterns_that_do_not_begin_a_word():
    with pytest.raises(PatternShapeError):
        WordStartMatcher([r".*foo"])
    assert WordStartMatcher([r"\bfoo", r"^(?!.*bar).*?\bbaz"]).first_pattern("the baz") == 1


# --------------------------------------------------------------------------- robustness and speed

@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_classify_never_fails(text):
    treatment = classify(text)
    assert isinstance(treatment, Treatment)
    assert treatment.quantity is None or treatment.quantity >= 0
    assert treatment.treatment_category != "Pharmaceuticals" or treatment.treatment_subcategory == treatment.drug_class


def test_classify_is_fast():
    """Uncached classification averages well under a millisecond (the target is < 50 us on a quiet machine)."""
    from imrdb.enrich.treatments import _explain

    lexicon = load_lexicon()
    descriptions = [row[0] for row in CATEGORIES + DRUGS + AMOUNTS + REGIONS]
    uncached = _explain.__wrapped__
    seconds = min(timeit.repeat(lambda: [uncached(lexicon, d) for d in descriptions], number=1, repeat=5))
    assert seconds / len(descriptions) < 1e-3
