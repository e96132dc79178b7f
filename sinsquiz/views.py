from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from sinsquiz import sins
from sinsquiz.forms import CalculatorForm
from sinsquiz.http import AuthenticatedHttpRequest, HtmxHttpRequest


@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "sinsquiz/home.html")


@login_not_required
@require_http_methods(["GET", "POST"])
def calculator(request: HtmxHttpRequest) -> HttpResponse:
    """A public SINS calculator; htmx posts on every change and swaps in the result partial."""
    form = CalculatorForm(request.POST or None)
    template = "sinsquiz/calculator.html"
    if request.htmx:
        template += "#result"
    return render(
        request,
        template,
        {
            "form": form,
            "calculation": form.calculation(),
            "categories": sins.CATEGORIES,
            "live": bool(request.htmx),
        },
    )
