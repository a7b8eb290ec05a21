from django.urls import path

from . import views

app_name = "account"

urlpatterns = [
    path("", views.account_overview, name="overview"),
    path("code/", views.otp_verify, name="otp_verify"),
    path("code/set-up/", views.otp_setup, name="otp_setup"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
