"""Settings survive restarts, and a damaged settings file never stops the app."""
from __future__ import annotations

import json

from desktop import paths
from desktop.ui.settings import Settings


def test_missing_file_gives_defaults() -> None:
    settings = Settings.load()
    assert settings == Settings()
    assert settings.notice is None


def test_round_trip_keeps_every_value() -> None:
    settings = Settings(theme="dark", font_size=14, language="zh_CN", api_enabled=True, api_port=9090,
                        gpu_layers=12, n_ctx=2048, threads=2, presets={"Pirate": "Talk like a pirate."})
    settings.remember_model("/models/a.gguf")
    settings.save()
    again = Settings.load()
    assert again == settings
    assert again.last_model.endswith("a.gguf")
    assert json.loads(paths.settings_path().read_text("utf-8"))["language"] == "zh_CN"


def test_save_leaves_no_temporary_files() -> None:
    Settings(theme="light").save()
    assert sorted(p.name for p in paths.data_dir().iterdir()) == ["settings.json"]


def test_corrupt_file_is_kept_aside_and_defaults_used() -> None:
    paths.settings_path().write_text("{not json", encoding="utf-8")
    settings = Settings.load()
    assert settings == Settings()
    assert "could not be read" in settings.notice
    assert (paths.data_dir() / "settings.json.bad").read_text("utf-8") == "{not json"


def test_bad_values_are_reset_one_by_one() -> None:
    paths.settings_path().write_text(json.dumps(
        {"theme": "purple", "font_size": 13, "api_port": 70000, "threads": True, "unknown": 1}), "utf-8")
    settings = Settings.load()
    assert settings.theme == "system" and settings.api_port == 8080 and settings.threads is None
    assert settings.font_size == 13
    assert settings.notice == ("Some settings had invalid values and were reset to their defaults: "
                               "theme, api_port, threads.")


def test_recent_models_are_unique_newest_first_and_bounded(tmp_path) -> None:
    settings = Settings()
    for i in range(12):
        settings.remember_model(tmp_path / f"m{i}.gguf")
    settings.remember_model(tmp_path / "m5.gguf")
    assert settings.recent_models[0].endswith("m5.gguf")
    assert len(settings.recent_models) == 10
    assert len(set(settings.recent_models)) == 10


def test_load_options_follow_the_chosen_values() -> None:
    options = Settings(gpu_layers=0, n_ctx=1024, threads=3).load_options("/m.gguf")
    assert (options.model_path, options.n_gpu_layers, options.n_ctx, options.n_threads) == ("/m.gguf", 0, 1024, 3)


def test_the_local_api_server_loads_the_model_with_slots_for_several_requests() -> None:
    assert Settings(api_enabled=False).load_options("/m.gguf").parallel == 1  # the app alone: one KV cache
    assert Settings(api_enabled=True).load_options("/m.gguf").parallel == 4  # as `hearth serve`
