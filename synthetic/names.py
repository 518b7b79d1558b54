"""Name parts for synthetic people and staff. Combined at random: no generated person is a real one."""

from __future__ import annotations

from typing import Final

MALE_FORENAMES: Final = (
    "James", "Daniel", "Mohammed", "Michael", "David", "Ryan", "Jordan", "Kyle", "Liam", "Connor", "Jamal",
    "Tyrone", "Ahmed", "Ali", "Kwame", "Samuel", "Joseph", "Thomas", "Lewis", "Nathan", "Dean", "Lee", "Craig",
    "Marcus", "Andre", "Darren", "Wayne", "Jason", "Adam", "Omar", "Bilal", "Tomasz", "Piotr", "Marius",
    "Florin", "Kemal", "Emre", "Stephen", "Paul", "Mark", "Anthony", "Luke", "Reece", "Callum", "Jerome",
    "Kofi", "Yusuf", "Hassan", "Ibrahim", "Dwayne", "Leon", "Aaron", "Shane", "Gary", "Kevin", "Terry",
)
FEMALE_FORENAMES: Final = (
    "Sarah", "Emma", "Chloe", "Jade", "Amira", "Fatima", "Shanice", "Kelly", "Lisa", "Michelle", "Leanne",
    "Aisha", "Grace", "Hannah", "Natalie", "Stacey", "Danielle", "Zainab", "Agnieszka", "Maria", "Joanne",
    "Claire", "Rebecca", "Tanya", "Precious", "Abena", "Nadia", "Yasmin", "Gemma", "Kayleigh",
)
SURNAMES: Final = (
    "Smith", "Jones", "Williams", "Brown", "Taylor", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
    "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
    "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward",
    "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James", "Scott",
    "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly",
    "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards",
    "Khan", "Ali", "Ahmed", "Hussain", "Begum", "Rahman", "Islam", "Uddin", "Okafor", "Adeyemi", "Mensah",
    "Owusu", "Boateng", "Campbell", "Francis", "Grant", "Henry", "Reid", "Brown-Lewis", "Nowak", "Kowalski",
    "Popescu", "Yilmaz", "Demir", "Santos", "Silva", "Ferreira", "O'Brien", "O'Connor", "Doyle", "Byrne",
    "McCarthy", "Walsh", "Gallagher", "Kaur", "Singh", "Sharma", "Mahmood", "Osei", "Danso", "Asante",
)
