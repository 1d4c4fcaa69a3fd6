"""Standard benchmarks a user runs inside Hearth: HumanEval (code, scored in a sandbox), MMLU and
C-Eval (multiple choice). They drive the engine like `desktop.engine.json_evaluation` does and save
their runs under `<data>/evals/<name>/`."""
