"""The bank validator: every problem names the file, the question id and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lablib.quiz.bank import BankError, check_bank, load_bank


def rewrite(bank_dir: Path, edit) -> None:
    path = bank_dir / "lambda-invocation.yaml"
    data = yaml.safe_load(path.read_text())
    edit(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def issues_of(bank_dir: Path) -> list[str]:
    _, issues = check_bank(bank_dir)
    return [str(i) for i in issues]


def test_fixture_bank_is_valid(bank_dir: Path) -> None:
    bank = load_bank(bank_dir)
    assert [q.type for q in bank.questions] == ["single", "multiple", "numeric", "text", "ordering"]
    assert bank.get("li-fix-max-timeout").answer.value == 900


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("answer", "z", "give one option key (a, b, c)"),
        ("concepts", ["lambda.nope"], "unknown concept 'lambda.nope'"),
        ("domains", ["dva.nope"], "unknown domain 'dva.nope'"),
        ("type", "essay", "use one of single, multiple, numeric, text, ordering"),
        ("difficulty", 5, "use 1 (recall), 2 or 3"),
        ("stem", "", "required: the question text"),
        ("id", "es-wrong-prefix", "start with 'li-'"),
        ("lab_ref", "nowhere", "write '<lab id>#<anchor>'"),
        ("verify", "Not A Key", "write a behaviour test key"),
        ("source", None, "required: where the question comes from"),
        ("colour", "blue", "unknown field"),
    ],
)
def test_field_errors_name_file_id_and_field(bank_dir: Path, field, value, expected) -> None:
    def edit(data):
        data["questions"][0][field] = value

    rewrite(bank_dir, edit)
    found = issues_of(bank_dir)
    qid = "es-wrong-prefix" if field == "id" else "li-fix-async-status"
    prefix = f"quizzes/lambda-invocation.yaml: question {qid}: field '{field}': "
    assert any(i.startswith(prefix) and expected in i for i in found), found


def test_missing_option_explanation(bank_dir: Path) -> None:
    rewrite(bank_dir, lambda d: d["questions"][1]["explanations"].pop("c"))
    assert issues_of(bank_dir) == [
        "quizzes/lambda-invocation.yaml: question li-fix-metrics-two: field 'explanations': "
        "missing for option c; say why it is right or wrong"
    ]


def test_numeric_needs_explanation_and_number(bank_dir: Path) -> None:
    def edit(data):
        q = data["questions"][2]
        del q["explanation"]
        q["answer"] = {"value": "nine hundred"}

    rewrite(bank_dir, edit)
    found = issues_of(bank_dir)
    assert any("li-fix-max-timeout: field 'explanation': required for numeric" in i for i in found)
    assert any("li-fix-max-timeout: field 'answer': give {value:" in i for i in found)


def test_multiple_and_ordering_answers(bank_dir: Path) -> None:
    def edit(data):
        data["questions"][1]["answer"] = ["a"]
        data["questions"][4]["answer"] = ["a", "b"]

    rewrite(bank_dir, edit)
    found = issues_of(bank_dir)
    assert any(
        "li-fix-metrics-two: field 'answer': give a list of at least two" in i for i in found
    )
    assert any("li-fix-cold-start-order: field 'answer': give every option key" in i for i in found)


def test_option_keys_must_be_in_order(bank_dir: Path) -> None:
    rewrite(bank_dir, lambda d: d["questions"][0].update(options={"a": "x", "c": "y"}))
    assert any("field 'options': keys are a, c; use a, b" in i for i in issues_of(bank_dir))


def test_duplicate_ids_and_stems_across_files(bank_dir: Path) -> None:
    data = yaml.safe_load((bank_dir / "lambda-invocation.yaml").read_text())
    other = {"lab": "event-sources", "questions": [dict(data["questions"][0])]}
    other["questions"][0]["id"] = "es-copy"
    other["questions"][0]["stem"] = (
        "  a caller INVOKES a function with InvocationType=Event; which status code comes back "
    )
    second = dict(data["questions"][2], id="li-fix-async-status")
    data["questions"].append(second)
    (bank_dir / "lambda-invocation.yaml").write_text(yaml.safe_dump(data))
    (bank_dir / "event-sources.yaml").write_text(yaml.safe_dump(other))
    found = issues_of(bank_dir)
    # files are read in name order: event-sources.yaml comes first
    assert found == [
        "quizzes/lambda-invocation.yaml: question li-fix-async-status: field 'stem': "
        "duplicate of question es-copy; reword",
        "quizzes/lambda-invocation.yaml: question li-fix-async-status: field 'id': "
        "duplicate: also used in quizzes/lambda-invocation.yaml; rename",
    ]


def test_malformed_yaml_names_file_and_line(bank_dir: Path) -> None:
    (bank_dir / "event-sources.yaml").write_text(
        "lab: event-sources\nquestions:\n  - id: [unclosed\n"
    )
    found = issues_of(bank_dir)
    assert len(found) == 1
    assert found[0].startswith("quizzes/event-sources.yaml: not valid YAML at line")
    assert "fix the syntax there" in found[0]


def test_file_name_must_match_lab(bank_dir: Path) -> None:
    (bank_dir / "lambda-invocation.yaml").rename(bank_dir / "lambda.yaml")
    assert (
        "quizzes/lambda.yaml: field 'lab': is 'lambda-invocation'; rename the file to "
        "lambda-invocation.yaml" in issues_of(bank_dir)
    )


def test_unknown_lab_and_non_mapping(bank_dir: Path) -> None:
    (bank_dir / "step-functions.yaml").write_text("lab: steps\nquestions: []\n")
    (bank_dir / "api-gateway.yaml").write_text("- just a list\n")
    found = issues_of(bank_dir)
    assert any(
        i.startswith("quizzes/step-functions.yaml: field 'lab': is 'steps'; use one of")
        for i in found
    )
    assert "quizzes/api-gateway.yaml: expected a mapping with 'lab' and 'questions'" in found


def test_question_without_id_is_named_by_position(bank_dir: Path) -> None:
    rewrite(bank_dir, lambda d: d["questions"][3].pop("id"))
    assert any(
        i.startswith("quizzes/lambda-invocation.yaml: question #4 (no id): field 'id'")
        for i in issues_of(bank_dir)
    )


def test_load_bank_raises_with_every_issue(bank_dir: Path) -> None:
    rewrite(bank_dir, lambda d: [q.update(difficulty=0) for q in d["questions"]])
    with pytest.raises(BankError) as info:
        load_bank(bank_dir)
    assert len(info.value.issues) == 5
    assert str(info.value).count("field 'difficulty'") == 5


def test_check_command(bank_dir: Path, cli) -> None:
    ok = cli("quiz", "check", "--bank", str(bank_dir))
    assert ok.code == 0 and "Schema: 5 questions in 1 files are valid." in ok.out
    rewrite(bank_dir, lambda d: d["questions"][0].update(answer="q"))
    bad = cli("quiz", "check", "--bank", str(bank_dir))
    assert bad.code == 1
    assert "The question bank has 1 problem(s):" in bad.err
    assert "quizzes/lambda-invocation.yaml: question li-fix-async-status: field 'answer'" in bad.err


def test_stats_command_counts_and_flags_thin_concepts(bank_dir: Path, cli) -> None:
    res = cli("quiz", "stats", "--bank", str(bank_dir), "--json")
    import json

    stats = json.loads(res.out)
    assert stats["questions"] == 5
    assert stats["labs"]["lambda-invocation"] == 5 and stats["labs"]["step-functions"] == 0
    assert stats["types"] == {"multiple": 1, "numeric": 1, "ordering": 1, "single": 1, "text": 1}
    assert stats["domains"]["dva.troubleshooting"] == 3
    assert stats["concepts"]["lambda.metrics"] == 1
    assert "lambda.metrics" in stats["thin_concepts"]
    text = cli("quiz", "stats", "--bank", str(bank_dir)).out
    assert "lambda.invocation-types                     1   <- fewer than 2" in text


def test_syllabus_map_matches_the_id_prefixes() -> None:
    from lablib.quiz.concepts import load_syllabus
    from lablib.quiz.schema import ID_PREFIX

    syllabus = load_syllabus()
    assert list(syllabus.labs) == list(ID_PREFIX)
    assert len(syllabus.concepts) == 81
    assert syllabus.concepts["lambda.edge"].lab == "serverless-practices"
    assert syllabus.concepts["lambda.provisioned-concurrency"].hands_on is False
    assert all(c.what for c in syllabus.concepts.values())


def test_broken_syllabus_map_is_reported(bank_dir: Path) -> None:
    path = bank_dir / "concepts.yaml"
    path.write_text(path.read_text().replace("lab: lambda-invocation", "lab: lambada", 1))
    (issue,) = issues_of(bank_dir)
    assert "concepts.yaml: concept lambda.function-model: field 'lab' is 'lambada'" in issue
    path.unlink()
    (issue,) = issues_of(bank_dir)
    assert issue.endswith("not found; the quiz bank needs the syllabus map here")
