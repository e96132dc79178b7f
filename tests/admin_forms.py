"""Post admin forms the way a browser would: start from what the page shows, change some fields."""


def _form_values(form) -> dict:
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        key = form.add_prefix(name)
        if isinstance(value, list | tuple):
            data[key] = [str(v) for v in value]
        elif value is True:
            data[key] = "on"
        else:
            data[key] = str(value)
    return data


def admin_post_data(response, **changes) -> dict:
    """The data the admin page in `response` would post unchanged, updated with `changes`."""
    data = _form_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data |= {management.add_prefix(name): str(management[name].value()) for name in management.fields}
        for form in formset.forms:
            data |= _form_values(form)
    data |= changes
    return {key: value for key, value in data.items() if value is not None}
