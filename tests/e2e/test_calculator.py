from playwright.sync_api import expect


def test_the_calculator_updates_live_as_a_newcomer_chooses(page, live_server, screenshot):
    page.goto(f"{live_server.url}/calculator/")

    page.get_by_role("combobox", name="Index level").select_option("T7")
    expect(page.locator(".location-explained")).to_have_text("T7 lies in T3–T10: semirigid, 1 point.")
    for field, option in [("pain", 0), ("bone_lesion", 0), ("alignment", 2), ("collapse", 1), ("posterolateral", 1)]:
        page.click(f"label[for=id_{field}_{option}]")

    expect(page.locator(".total-num")).to_have_text("9")
    expect(page.locator(".category-badge")).to_have_text("Potentially unstable")
    expect(page.locator("#calc-said")).to_have_text(
        "Total 9 of 18: potentially unstable. Surgical consultation warranted."
    )
    screenshot("desktop")

    # The choices are in the address: a reload (or a shared link) shows the same result.
    page.reload()
    expect(page.locator(".total-num")).to_have_text("9")
    expect(page.locator("#id_level")).to_have_value("T7")


def test_on_a_phone_the_total_stays_in_view(page, live_server, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/calculator/")

    page.select_option("#id_level", "L3")
    page.click("label[for=id_alignment_0]")

    bar = page.locator(".score-bar")
    expect(bar).to_be_in_viewport()
    expect(page.locator(".total-num")).to_have_text("6–17")  # mobile 2 + subluxation 4, up to 3 + 2 + 3 + 3 more
    screenshot("phone")
